/**
 * A loopback TCP proxy that can cut the link it carries, as a network split does (not a crash): connections are
 * dropped and new ones refused until the link is restored, while both ends keep running.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** A proxy to one port. */
export interface TcpProxy {
    /** Port the proxy listens on. */
    port: number;
    /** Drops every connection and refuses new ones. */
    cut(): void;
    /** Accepts connections again. */
    restore(): void;
    /** Connections carried since the start. */
    readonly connections: number;
    /** Stops the proxy. */
    closeAsync(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port to `targetPort`.
 * @param targetPort the port behind it
 * @returns the proxy
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
    const open = new Set<Socket>();
    let cut = false;
    let connections = 0;
    const server: Server = createServer((client) => {
        if (cut) {
            client.destroy();
            return;
        }
        connections++;
        const upstream = connect(targetPort, "127.0.0.1");
        open.add(client);
        open.add(upstream);
        const close = () => {
            client.destroy();
            upstream.destroy();
            open.delete(client);
            open.delete(upstream);
        };
        client.on("error", close);
        upstream.on("error", close);
        client.on("close", close);
        upstream.on("close", close);
        client.pipe(upstream);
        upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as { port: number }).port,
        cut() {
            cut = true;
            for (const socket of open) socket.destroy();
            open.clear();
        },
        restore() {
            cut = false;
        },
        get connections() {
            return connections;
        },
        closeAsync() {
            for (const socket of open) socket.destroy();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
