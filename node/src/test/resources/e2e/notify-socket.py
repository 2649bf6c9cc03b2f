#!/usr/bin/env python3
"""A stand-in for systemd's notify socket, for node's NotifyE2E.

Binds a unix datagram socket at argv[1] and prints one JSON line per datagram received, with what
was true of the mount at argv[2] and the metrics address argv[3] at that moment: whether the mount
is in /proc/self/mountinfo as fuse.lattice, whether its root lists, the HTTP status of /metrics.
Prints "bound" first; exits after a STOPPING=1 message or after 120 s.
"""
import json
import os
import socket
import sys
import urllib.request

path, mnt, metrics = sys.argv[1], sys.argv[2], sys.argv[3]


def mounted():
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[4] == mnt and fields[sep + 1] == "fuse.lattice":
                return True
    return False


def lists():
    try:
        os.listdir(mnt)
        return True
    except OSError:
        return False


def metrics_status():
    try:
        with urllib.request.urlopen("http://" + metrics + "/metrics", timeout=5) as r:
            return r.status
    except OSError:
        return 0


s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(120)
print("bound", flush=True)
while True:
    try:
        data = s.recv(4096)
    except socket.timeout:
        print(json.dumps({"timeout": True}), flush=True)
        break
    msg = data.decode("utf-8", "replace")
    # The state is read at once, before anything else: what held when the message arrived.
    state = {"msg": msg, "mounted": mounted(), "lists": lists(), "metrics": metrics_status()}
    print(json.dumps(state), flush=True)
    if "STOPPING=1" in msg.split("\n"):
        break
