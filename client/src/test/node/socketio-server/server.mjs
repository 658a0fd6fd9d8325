// A plain socket.io 4.8 server with the application the load tool's socketio workloads expect of
// a server that is not Switchboard:
//   echo (data, ack)          acknowledges with the same argument
//   join (room, ack)          joins the room, acknowledges []
//   publish (room, data, ack) emits "load" with data to the room's other members, acknowledges []
// Usage: node server.mjs [port] [namespace] (SIO_TOKEN: the auth token CONNECT must carry;
// SIO_PING_INTERVAL: milliseconds; SIO_BACKLOG: the listen backlog, Node's 511 by default); prints {"port": N} once listening. Stops on SIGTERM,
// or by itself after an hour at most.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] || 0);
const namespace = process.argv[3] || "/";
const token = process.env.SIO_TOKEN || "";
const http = createServer();
const pingInterval = Number(process.env.SIO_PING_INTERVAL || 25000);
const io = new Server(http, { cors: { origin: "*" }, maxHttpBufferSize: 1e6, pingInterval, pingTimeout: 20000 });

function setUp(nsp) {
  if (token) {
    nsp.use((socket, next) => {
      if (socket.handshake.auth && socket.handshake.auth.token === token) next();
      else next(Object.assign(new Error("wrong auth token"), { data: { code: 401 } }));
    });
  }
  nsp.on("connection", (socket) => {
    socket.on("echo", (data, ack) => { if (typeof ack === "function") ack(data); });
    socket.on("join", (room, ack) => { socket.join(room); if (typeof ack === "function") ack(); });
    socket.on("publish", (room, data, ack) => {
      socket.to(room).emit("load", data);
      if (typeof ack === "function") ack();
    });
  });
}
setUp(io.of(namespace));

http.listen({ port, host: "127.0.0.1", backlog: Number(process.env.SIO_BACKLOG || 511) }, () => {
  console.log(JSON.stringify({ port: http.address().port }));
});
const stop = () => { io.close(); http.close(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setTimeout(stop, 3600_000).unref();
