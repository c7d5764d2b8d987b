import { getChannelzHandlers, type Server } from '@grpc/grpc-js';

/** Socket refs asked for per channelz page; a broker rarely has more open connections. */
const CHANNELZ_PAGE_SIZE = 500;

type GetServerSockets = ReturnType<typeof getChannelzHandlers>['GetServerSockets'];
type GetServerSocketsCall = Parameters<GetServerSockets>[0];
type SocketsPage = { socketIds: number[]; end: boolean };

/**
 * Counts the open client connections (HTTP/2 sessions) of a gRPC server. grpc-js emits no
 * connection events; its channelz registry tracks every session while channelz is enabled (the
 * default), and the channelz service's own GetServerSockets handler is its public way to list
 * them, so it is called here in-process, page by page.
 */
export function grpcConnectionCounter(server: Server): () => Promise<number> {
  const getServerSockets = getChannelzHandlers().GetServerSockets;
  const serverId = server.getChannelzRef().id;
  const page = (startSocketId: number): Promise<SocketsPage> =>
    new Promise((resolve, reject) => {
      const request = { server_id: String(serverId), start_socket_id: String(startSocketId), max_results: String(CHANNELZ_PAGE_SIZE) };
      getServerSockets({ request } as unknown as GetServerSocketsCall, (error, response) => {
        if (error) reject(new Error(`channelz GetServerSockets: ${error.details ?? `code ${error.code}`}`));
        else resolve({ socketIds: (response?.socket_ref ?? []).map((ref) => Number(ref.socket_id)), end: response?.end ?? true });
      });
    });
  return async () => {
    let count = 0;
    let start = 0;
    for (;;) {
      const { socketIds, end } = await page(start);
      count += socketIds.length;
      if (end || socketIds.length === 0) return count;
      start = Math.max(...socketIds) + 1;
    }
  };
}
