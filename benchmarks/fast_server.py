"""A chat-completions server for measuring clients: asyncio, its own process, a fixed latency.

``python fast_server.py LATENCY`` prints its port and serves until killed. Each
request waits LATENCY seconds, then streams the reply (one SSE event per word,
usage, ``[DONE]``) or returns it as JSON. Being cheap itself and outside the
measuring process, it lets a client's own cost show.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time


def reply_for(prompt: str) -> str:
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
    return (f"Reply {digest}. The claim still holds (arXiv:2504.07912); newer work: arXiv:2609.01234. "
            "It was reproduced at a larger scale and the figure moved only slightly.")


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            body = json.loads(await reader.readexactly(length) if length else b"{}")
            await asyncio.sleep(latency)
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
            reply = reply_for(text)
            usage = {"prompt_tokens": len(text.split()), "completion_tokens": len(reply.split()),
                     "total_tokens": len(text.split()) + len(reply.split())}
            base = {"id": "c", "object": "chat.completion.chunk", "created": int(time.time()), "model": body.get("model")}
            if body.get("stream"):
                events = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                               "finish_reason": None}])]
                for i, word in enumerate(reply.split(" ")):
                    events.append(dict(base, choices=[{"index": 0, "delta": {"content": word if i == 0 else " " + word},
                                                       "finish_reason": None}]))
                events.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]))
                events.append(dict(base, choices=[], usage=usage))
                data = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n\r\n")
            else:
                data = json.dumps({"id": "c", "object": "chat.completion", "created": int(time.time()),
                                   "model": body.get("model"), "usage": usage,
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": reply}}]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(latency: float) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, latency), "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
