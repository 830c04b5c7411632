#!/usr/bin/env python3
"""A WebSocket client independent of ours (Python's websockets), for the permessage-deflate end-to-end test.

Usage: ws-deflate-client.py URL COUNT on|off

Connects to URL, with websockets' permessage-deflate offer ("on") or none ("off"), prints LIVE once the gateway
says the stream is live, then reads COUNT events (control messages are skipped) and prints one JSON line:
{"extensions": the Sec-WebSocket-Extensions answer or null, "events": [the event texts],
 "wire_bytes": bytes read from the socket after the handshake}.
"""
import json
import socket
import sys
from urllib.parse import urlparse

from websockets.sync.client import connect


class CountingSocket(socket.socket):
    """Counts what the client reads off the socket: the bytes on the wire, compressed or not."""

    received = 0

    def recv(self, size, *args):
        data = super().recv(size, *args)
        CountingSocket.received += len(data)
        return data


def main():
    url, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    parsed = urlparse(url)
    sock = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((parsed.hostname, parsed.port))
    compression = "deflate" if mode == "on" else None
    events = []
    with connect(url, sock=sock, compression=compression, max_size=16 * 1024 * 1024, open_timeout=30) as ws:
        # The 101 and anything before the first frame is not an event's wire bytes.
        handshake = CountingSocket.received
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
        while len(events) < count:
            text = ws.recv(timeout=60)
            message = json.loads(text)
            if "control" in message:
                if message["control"] == "live":
                    print("LIVE", flush=True)
                continue
            events.append(text)
        wire = CountingSocket.received - handshake
    print(json.dumps({"extensions": extensions, "events": events, "wire_bytes": wire}), flush=True)


if __name__ == "__main__":
    main()
