package io.switchboard.client.load.engine;

import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.client.load.workload.connscale.ConnscaleWorkload;
import io.switchboard.client.load.workload.fanout.FanoutWorkload;
import io.switchboard.client.load.workload.framed.FramedWorkload;
import io.switchboard.client.load.workload.http.HttpWorkload;
import io.switchboard.client.load.workload.raw.RawWorkload;
import io.switchboard.client.load.workload.socketio.SioWorkload;
import io.switchboard.client.load.workload.udp.UdpWorkload;
import io.switchboard.client.load.workload.ws.WsWorkload;

/**
 * Creates the {@link Workload} for a stage's protocol. To add a protocol: implement
 * {@link Workload} (and its {@link io.switchboard.client.load.workload.LoadConnection}) in a
 * package under {@code load.workload} and add its case here. It lives in the engine, above the
 * workloads, so that {@code load.workload} does not depend on its own sub-packages.
 */
public final class Workloads {
    private Workloads() {
    }

    /** The workload for {@code setup.settings().protocol()}. */
    public static Workload create(WorkloadSetup setup) throws WorkloadException {
        switch (setup.settings().protocol()) {
            case RAW:
                return new RawWorkload(setup);
            case FRAMED:
                return new FramedWorkload(setup);
            case HTTP:
                return new HttpWorkload(setup);
            case UDP:
                return new UdpWorkload(setup);
            case WS:
                return new WsWorkload(setup);
            case FANOUT:
                return new FanoutWorkload(setup);
            case CONNSCALE:
                return new ConnscaleWorkload(setup);
            case SOCKETIO:
                return new SioWorkload(setup);
            default:
                throw new WorkloadException("protocol " + setup.settings().protocol().id()
                        + " is not available in this build");
        }
    }
}
