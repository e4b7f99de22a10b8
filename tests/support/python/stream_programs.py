# SPDX-License-Identifier: MIT
# The asyncio twins of tests/support/stream_programs.hpp: `python3 stream_programs.py`
# prints each program's events as the C++ programs log them on RealLoop and SimLoop.
import asyncio


def chomp(s):
    return s[:-1] if s.endswith("\n") else s


async def echo_with_half_close(log):
    async def handler(reader, writer):
        lines = 0
        while True:
            line = await reader.readline()
            if not line:
                break
            lines += 1
            writer.write(line)
            await writer.drain()
        log.append(f"server: eof after {lines} lines")
        writer.write(b"bye\n")
        writer.close()
        await writer.wait_closed()
        log.append("server: closed")

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    for line in (b"one\n", b"two\n", b"three\n"):
        writer.write(line)
    writer.write_eof()
    log.append("client: can_write_eof " + ("yes" if writer.can_write_eof() else "no"))
    everything = (await reader.read()).decode()
    log.append(f"client: read '{chomp(everything)}'")
    log.append("client: at_eof " + ("yes" if reader.at_eof() else "no"))
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    log.append("client: done")


async def many_clients_one_server(log):
    server_log = [log]

    async def greet(reader, writer):
        out = server_log[0]
        name = chomp((await reader.readline()).decode())
        out.append(f"server: hello from {name}")
        writer.write(f"hello {name}\n".encode())
        await writer.drain()
        rest = (await reader.read()).decode()
        out.append(f"server: {name} left" + (f" saying {rest}" if rest else ""))
        writer.close()

    async def one_client(port, name, out):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"{name}\n".encode())
        answer = chomp((await reader.readline()).decode())
        out.append(f"client {name}: {answer}")
        writer.close()
        await writer.wait_closed()
        return answer

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    for name in ("ann", "bob", "cy"):
        await one_client(port, name, log)
    side = []
    server_log[0] = side
    tasks = [asyncio.create_task(one_client(port, name, side)) for name in ("d1", "d2", "d3", "d4")]
    for task in tasks:
        log.append("gathered: " + await task)
    server.close()
    await server.wait_closed()
    log.append(f"client: active connections {len(server.sockets)}")


async def framing_with_incomplete_read(log):
    async def read_frames(reader, writer):
        try:
            while True:
                header = await reader.readuntil(b":")
                body = await reader.readexactly(int(header[:-1]))
                log.append(f"server: frame '{body.decode()}'")
                writer.write(f"ok {len(body)}\n".encode())
        except asyncio.IncompleteReadError as e:
            log.append(f"server: IncompleteReadError partial '{e.partial.decode()}' expected {e.expected}: {e}")
        writer.close()

    server = await asyncio.start_server(read_frames, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    writer.write(b"5:hello")
    writer.write(b"3:ab")
    writer.write(b"c11:split")
    await writer.drain()
    log.append("client: " + chomp((await reader.readline()).decode()))
    log.append("client: " + chomp((await reader.readline()).decode()))
    writer.write(b" frame")
    writer.write(b"9:abc")
    writer.write_eof()
    rest = (await reader.read()).decode()
    log.append(f"client: rest '{chomp(rest)}'")
    local = asyncio.StreamReader()
    local.feed_data(b"12")
    local.feed_eof()
    try:
        await local.readuntil(b":")
    except asyncio.IncompleteReadError as e:
        log.append(f"client: readuntil at eof: {e}")
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


async def server_close_with_clients(log):
    async def answer_lines(reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(b"re: " + line)
        log.append("server: connection ends")
        writer.close()

    server = await asyncio.start_server(answer_lines, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"before\n")
    log.append("client: " + chomp((await reader.readline()).decode()))
    server.close()
    log.append(f"client: serving {'yes' if server.is_serving() else 'no'}, sockets {len(server.sockets)}")
    await server.wait_closed()
    log.append("client: wait_closed returned")
    writer.write(b"after\n")
    log.append("client: " + chomp((await reader.readline()).decode()))
    try:
        await asyncio.open_connection("127.0.0.1", port)
        log.append("client: a new connection was accepted")
    except ConnectionRefusedError as e:
        log.append(f"client: new connection refused: {type(e).__name__}")
    writer.write_eof()
    log.append(f"client: eof read '{(await reader.read()).decode()}'")
    writer.close()
    await writer.wait_closed()


class Queueing(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait((data, addr))

    def error_received(self, exc):
        self.queue.put_nowait(exc)

    async def recvfrom(self):
        item = await self.queue.get()
        if isinstance(item, Exception):
            raise item
        return item


async def datagram_ping_pong(log):
    loop = asyncio.get_running_loop()
    server, server_protocol = await loop.create_datagram_endpoint(Queueing, local_addr=("127.0.0.1", 0))

    async def pong(rounds):
        for _ in range(rounds):
            data, addr = await server_protocol.recvfrom()
            log.append("server: " + data.decode())
            server.sendto(b"pong " + data[5:], addr)

    answering = asyncio.create_task(pong(3))
    port = server.get_extra_info("sockname")[1]
    client, client_protocol = await loop.create_datagram_endpoint(Queueing, remote_addr=("127.0.0.1", port))
    for i in range(1, 4):
        client.sendto(f"ping {i}".encode())
        data, addr = await client_protocol.recvfrom()
        log.append(f"client: {data.decode()} from {addr[0]}")
    await answering
    server.close()
    client.close()
    lonely, lonely_protocol = await loop.create_datagram_endpoint(Queueing, remote_addr=("127.0.0.1", port))
    lonely.sendto(b"anyone?")
    try:
        await lonely_protocol.recvfrom()
        log.append("client: an answer from a closed port")
    except ConnectionRefusedError as e:
        log.append(f"client: {type(e).__name__}")
    lonely.close()


PROGRAMS = [
    ("EchoWithHalfClose", echo_with_half_close),
    ("ManyClientsOneServer", many_clients_one_server),
    ("FramingWithIncompleteRead", framing_with_incomplete_read),
    ("ServerCloseWithClientsConnected", server_close_with_clients),
    ("DatagramPingPong", datagram_ping_pong),
]

if __name__ == "__main__":
    for name, program in PROGRAMS:
        log = []
        asyncio.run(program(log))
        print(f"== {name}")
        for line in log:
            print(f"  {line}")
