package io.switchboard.client.load.workload.framed;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.InvalidFrame;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import java.net.ConnectException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Switchboard framed protocol: HELLO and WELCOME, then one of three request kinds chosen by
 * {@code --mode}: {@code echo} (ECHO answered by ECHO_REPLY with the same payload, verified),
 * {@code ping} (PING answered by PONG, verified), or {@code publish} (JOIN the room once, then
 * PUBLISH to it with the ACK flag; the server's ACK completes the request; EVENTs from other
 * publishers are counted as {@code events_received} and dropped). Requests carry their token in
 * the request id, so responses are matched by id, whatever their order. Frames go through
 * common's {@link FrameDecoder} and {@link FrameEncoder}.
 */
public final class FramedWorkload implements Workload {
    private static final int HELLO_ID = 0x7FFF_FFFE;
    private static final int JOIN_ID = 0x7FFF_FFFF;
    private static final String EVENT = "load";

    enum Mode { ECHO, PING, PUBLISH }

    private final Target target;
    private final LoadSettings settings;
    private final Mode mode;
    private final LoadTls tls;

    public FramedWorkload(WorkloadSetup setup) throws WorkloadException {
        this.target = setup.target();
        this.tls = setup.tls();
        this.settings = setup.settings();
        this.mode = switch (settings.mode()) {
            case "echo" -> Mode.ECHO;
            case "ping" -> Mode.PING;
            case "publish" -> Mode.PUBLISH;
            default -> throw new WorkloadException("mode: " + settings.mode() + " (expected: echo, ping or publish)");
        };
        if (settings.payload().maxBytes() + Wire.HEADER_BYTES + 64 > Wire.DEFAULT_MAX_FRAME_LENGTH
                && settings.payload().file() == null) {
            throw new WorkloadException("payload: " + settings.payload() + " (expected: at most "
                    + (Wire.DEFAULT_MAX_FRAME_LENGTH - Wire.HEADER_BYTES - 64) + " bytes, the server's default frame limit)");
        }
    }

    @Override
    public void open(ConnectionContext ctx) {
        FramedConnection connection = new FramedConnection(ctx, this);
        ChannelFuture f = ctx.socketBootstrap().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("bytes", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext c, Object msg) {
                        ctx.bytesReceived(((ByteBuf) msg).readableBytes());
                        c.fireChannelRead(msg);
                    }
                });
                ch.pipeline().addLast("decoder", new FrameDecoder(Wire.MAX_MAX_FRAME_LENGTH));
                ch.pipeline().addLast("load", connection);
                if (tls != null) {
                    tls.addFirst(ch.pipeline(), ctx);
                }
            }
        }).connect(target.host(), target.port());
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                ctx.connectFailed(cf.cause());
            }
        });
    }

    /** One session. */
    static final class FramedConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
        private final ConnectionContext engine;
        private final FramedWorkload w;
        private final PayloadSource payloads;
        private final int[] offsets;
        private final int[] sizes;
        private final boolean[] pending;
        private final LongAdder events;
        private ChannelHandlerContext ctx;
        private boolean ready;
        private Throwable failure;

        FramedConnection(ConnectionContext engine, FramedWorkload workload) {
            this.engine = engine;
            this.w = workload;
            this.payloads = engine.payloads();
            int pipeline = workload.settings.pipeline();
            offsets = new int[pipeline];
            sizes = new int[pipeline];
            pending = new boolean[pipeline];
            events = workload.mode == Mode.PUBLISH ? engine.counters().counter("events_received") : null;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            write(new Hello(HELLO_ID, Wire.PROTOCOL_VERSION, "load-" + engine.index(), w.settings.token()));
            ctx.flush();
            ctx.fireChannelActive();
        }

        private void write(Frame frame) {
            ByteBuf buf = FrameEncoder.encode(ctx.alloc(), frame);
            engine.bytesSent(buf.readableBytes());
            ctx.write(buf, ctx.voidPromise());
        }

        @Override
        public void send(int token) {
            int size = payloads.nextSize();
            int offset = payloads.nextOffset();
            offsets[token] = offset;
            sizes[token] = size;
            pending[token] = true;
            ByteBuf payload = payloads.slice(offset, size);
            Frame frame = switch (w.mode) {
                case ECHO -> PayloadFrame.of(Opcode.ECHO, token, payload);
                case PING -> PayloadFrame.of(Opcode.PING, token, payload);
                case PUBLISH -> new Publish(token, Flags.ACK, io.switchboard.common.protocol.Target.ROOM,
                        w.settings.room(), 0, EVENT, payload);
            };
            try {
                write(frame);
            } finally {
                ReferenceCountUtil.release(frame);
            }
        }

        @Override
        public void flush() {
            ctx.flush();
        }

        @Override
        public void close() {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                handle((Frame) msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void handle(Frame frame) {
            if (frame instanceof InvalidFrame invalid) {
                if (ready) {
                    engine.connectionError(ErrorKind.PROTOCOL_ERROR, "undecodable frame: " + invalid.message());
                } else {
                    failure = new ConnectException("undecodable frame during the handshake: " + invalid.message());
                    ctx.close();
                }
                return;
            }
            if (!ready) {
                handshake(frame);
                return;
            }
            switch (frame.opcode()) {
                case ECHO_REPLY:
                case PONG: {
                    int token = token(frame);
                    if (token >= 0) {
                        ByteBuf got = ((PayloadFrame) frame).content();
                        ByteBuf sent = payloads.bytes();
                        boolean same = got.readableBytes() == sizes[token] && ByteBufUtil.equals(got, got.readerIndex(),
                                sent, sent.readerIndex() + offsets[token], sizes[token]);
                        complete(token, same ? null : ErrorKind.WRONG_ECHO, "reply payload differs from the request's");
                    }
                    break;
                }
                case ACK: {
                    int token = token(frame);
                    if (token >= 0) {
                        complete(token, null, null);
                    }
                    break;
                }
                case EVENT:
                    if (events != null) {
                        events.increment();
                    }
                    break;
                case PING:
                    write(((PayloadFrame) frame).retain().reply());
                    ctx.flush();
                    break;
                case ERROR: {
                    ErrorFrame error = (ErrorFrame) frame;
                    int id = error.requestId();
                    if (id >= 0 && id < pending.length && pending[id]) {
                        complete(id, ErrorKind.PROTOCOL_ERROR, "ERROR " + error.code() + ": " + error.message());
                    } else {
                        engine.connectionError(ErrorKind.PROTOCOL_ERROR, "ERROR " + error.code() + ": " + error.message());
                    }
                    break;
                }
                case BYE: {
                    Bye bye = (Bye) frame;
                    failure = new ConnectException("server said BYE " + bye.code() + ": " + bye.message());
                    break;
                }
                default:
                    break; // presence notices and the like: not requests of ours
            }
        }

        private int token(Frame frame) {
            int id = frame.requestId();
            if (id < 0 || id >= pending.length || !pending[id]) {
                engine.connectionError(ErrorKind.PROTOCOL_ERROR, frame.opcode() + " for request id " + id
                        + " that is not in flight");
                return -1;
            }
            return id;
        }

        private void complete(int token, ErrorKind error, String detail) {
            pending[token] = false;
            if (error == null) {
                engine.completed(token);
            } else {
                engine.failed(token, error, detail);
            }
        }

        private void handshake(Frame frame) {
            if (frame instanceof Welcome) {
                if (w.mode == Mode.PUBLISH) {
                    write(new Join(JOIN_ID, Flags.ACK, w.settings.room()));
                    ctx.flush();
                } else {
                    ready = true;
                    engine.connected(this);
                }
            } else if (frame instanceof Ack && frame.requestId() == JOIN_ID) {
                ready = true;
                engine.connected(this);
            } else if (frame instanceof ErrorFrame error) {
                failure = new ConnectException("server refused the " + (error.requestId() == JOIN_ID ? "JOIN" : "HELLO")
                        + ": ERROR " + error.code() + " " + error.message());
                ctx.close();
            } else if (frame.opcode() != Opcode.JOINED && frame.opcode() != Opcode.LEFT) {
                failure = new ConnectException("unexpected " + frame.opcode() + " during the handshake");
                ctx.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            engine.readComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            engine.closed(failure);
        }
    }
}
