# Python twin of examples/tcp_echo.cpp: the asyncio documentation's TCP echo client
# and server using streams, in one program on an ephemeral port of 127.0.0.1.
import asyncio


async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info('peername')
    print(f"Server received {message!r} from a client on {addr[0]}")
    print(f"Server sends {message!r}")
    writer.write(data)
    await writer.drain()
    print("Server closes the connection")
    writer.close()
    await writer.wait_closed()


async def tcp_echo_client(message, port):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    print(f'Client sends {message!r}')
    writer.write(message.encode())
    await writer.drain()
    data = await reader.read(100)
    print(f'Client received {data.decode()!r}')
    rest = await reader.read()
    print(f'Client reads {rest!r}: the server closed')
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    print(f'Serving on 127.0.0.1 (serving: {server.is_serving()})')
    async with server:
        await tcp_echo_client('Hello World!', port)
    print(f'Server closed (serving: {server.is_serving()})')


asyncio.run(main())
