package io.switchboard.client.load.workload;

/**
 * Creates the {@link Workload} for a stage's protocol. To add a protocol: implement
 * {@link Workload} (and its {@link LoadConnection}) in a package under this one and add its
 * case here.
 */
public final class Workloads {
    private Workloads() {
    }

    /** The workload for {@code setup.settings().protocol()}. */
    public static Workload create(WorkloadSetup setup) throws WorkloadException {
        switch (setup.settings().protocol()) {
            case RAW:
                return new io.switchboard.client.load.workload.raw.RawWorkload(setup);
            case FRAMED:
                return new io.switchboard.client.load.workload.framed.FramedWorkload(setup);
            case HTTP:
                return new io.switchboard.client.load.workload.http.HttpWorkload(setup);
            case UDP:
                return new io.switchboard.client.load.workload.udp.UdpWorkload(setup);
            case WS:
                return new io.switchboard.client.load.workload.ws.WsWorkload(setup);
            case FANOUT:
                return new io.switchboard.client.load.workload.fanout.FanoutWorkload(setup);
            case CONNSCALE:
                return new io.switchboard.client.load.workload.connscale.ConnscaleWorkload(setup);
            default:
                throw new WorkloadException("protocol " + setup.settings().protocol().id()
                        + " is not available in this build");
        }
    }
}
