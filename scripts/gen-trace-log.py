#!/usr/bin/env python3
"""Writes a large synthetic Sync trace log for `scripts/bench-logs.sh`.

Two months of traffic (2024-01-01 .. 2024-02-29, one block per day) in both header formats:
ordinary INFO lines, plus failing attempts of five kinds spread over every day — clock skew
(the article's first example), Fiddler interception (its second), revocation hosts unreachable,
a name mismatch, and a 407 from a proxy — each in bursts of its own, against a different Google address each time. The last
lines hold a sixth kind (DNS failure) that only happens at the end.

usage: gen-trace-log.py SIZE_MB PATH   (prints the attempts written per kind)
"""
import sys

size = int(sys.argv[1]) * 1024 * 1024
path = sys.argv[2]
days = 60
per_day = size // days


def stamp_a(day, sec):
    return f"2024-{day[0]:02d}-{day[1]:02d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"


def stamp_b(day, sec):
    return f"{stamp_a(day, sec)}.356+01:00"


def failure(kind, day, sec, n):
    a = stamp_a(day, sec)
    b = stamp_b(day, sec)
    ip = f"142.250.{n % 250}.{n * 7 % 250}"
    name = f"fra{n % 90:02d}s{n % 17:02d}-in-f{n % 250}.1e100.net"
    if kind == "clock-skew":
        return (
            f"[{a}:ERROR:windows_http.cc(331)] TLS connection failure. See details below. [Status: 0x00010000. Status Info: 0x00000001]\n"
            f"[{a}:ERROR:windows_http.cc(340)] Certificate details:\n---Validity--\n"
            "Valid from: 2017-09-13 17:23:55 UTC\nValid until: 2017-12-06 17:10:00 UTC\n"
            "---Subject---\nUS\nCalifornia\nMountain View\nGoogle Inc\n*.googleapis.com\n"
            "---Issuer----\nUS\nGoogle Inc\nGoogle Internet Authority G2\n-------------\n"
            f"[{a}:ERROR:windows_http.cc(282)] WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED: Certification revocation checking has been enabled, but the revocation check failed.\n"
            f"[{a}:ERROR:windows_http.cc(107)] Network connection destination details: {ip}:443 ({name})\n"
        )
    if kind == "interception":
        return (
            f"{b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2025 ()> Secure connection failure. Status: 0x00010000. Info 0x00000008\n"
            f"{b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2030 ()> Failure details:\n"
            "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA: The function is unfamiliar with the Certificate Authority that generated the server's certificate.\n"
            "Certificate details:\n---Validity--\nValid from: 2023-09-20T04:08:45.000Z\nValid until: 2025-09-20T04:08:45.000Z\n"
            "---Subject---\nCreated by http://www.fiddler2.com\nDO_NOT_TRUST\n*.google.com\n"
            "---Issuer----\nCreated by http://www.fiddler2.com\nDO_NOT_TRUST\nDO_NOT_TRUST_FiddlerRoot\n-------------\n"
            f"{b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2071 ()> Error result 5, hr = 0x80072f8f. Setting event 0000000000001638.\n"
            f"{b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2076 ()> Network connection destination details: 127.0.0.1:8888 (COMPUTERNAME)\n"
        )
    if kind == "revocation":
        return (
            f"{b} 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2025 ()> Secure connection failure. Status: 0x00010000. Info 0x00000001\n"
            f"{b} 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2030 ()> Failure details:\n"
            "Certificate details:\n---Validity--\nValid from: 2023-12-01T00:00:00.000Z\nValid until: 2025-12-01T00:00:00.000Z\n"
            "---Subject---\nwww.googleapis.com\n---Issuer----\nUS\nGoogle Trust Services\nWR2\n-------------\n"
            f"{b} 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2076 ()> Network connection destination details: {ip}:443 ({name})\n"
        )
    if kind == "name-mismatch":
        return (
            f"[{a}:ERROR:windows_http.cc(331)] TLS connection failure. See details below. [Status: 0x00010000. Status Info: 0x00000010]\n"
            f"[{a}:ERROR:windows_http.cc(340)] Certificate details:\n---Validity--\n"
            "Valid from: 2023-12-01 00:00:00 UTC\nValid until: 2025-12-01 00:00:00 UTC\n"
            "---Subject---\nportal.example.net\n---Issuer----\nUS\nExample CA\n-------------\n"
            f"[{a}:ERROR:windows_http.cc(107)] Network connection destination details: 10.20.{n % 250}.1:443 (captive-portal)\n"
        )
    if kind == "proxy-auth":
        return (
            f"[{a}:ERROR:windows_http.cc(197)] Proxy returned 407 Proxy Authentication Required\n"
            f"[{a}:ERROR:windows_http.cc(107)] Network connection destination details: 10.9.9.9:8080 (proxy)\n"
        )
    if kind == "dns":
        return (
            f"[{a}:ERROR:windows_http.cc(331)] Error from API WinHttpSendRequest. Code: 0x00002ee7\n"
            f"[{a}:ERROR:windows_http.cc(107)] Network connection destination details: 0.0.0.0:443 (oauth2.googleapis.com)\n"
        )
    raise ValueError(kind)


kinds = ["clock-skew", "interception", "revocation", "name-mismatch", "proxy-auth"]


def active(kind, day, hour):
    """When each kind happens: bursts, not a constant rate."""
    if kind == "clock-skew":
        return day < 15 and hour % 3 == 0
    if kind == "interception":
        return 10 <= day < 40 and 9 <= hour < 17
    if kind == "revocation":
        return day >= 20 and (day * 24 + hour) % 7 == 0
    if kind == "name-mismatch":
        return hour == 12
    return day >= 45 and hour % 2 == 0  # proxy-auth

counts = {kind: 0 for kind in kinds + ["dns"]}
written = 0
with open(path, "w", newline="\n") as out:
    for d in range(days):
        day = (1 + d // 31, 1 + d % 31) if d < 31 else (2, 1 + (d - 31))
        lines = []
        day_bytes = 0
        i = 0
        n_fail = 0
        while day_bytes < per_day:
            sec = min(86399, i * 86400 // 300000)
            s = i % 60
            if i % 2:
                line = f"{stamp_b(day, sec)} 1a20 I:Sync ClientSync!Mailbox::Poll @ 120 ()> polled folder {i} with 0 changes, cursor 0x{i * 7919 % 4294967296:08x}\n"
            else:
                line = f"[{stamp_a(day, sec)}:INFO:sync_engine.cc(88)] Synced item {i} of calendar; etag \"{i * 31337:x}\"\n"
            lines.append(line)
            day_bytes += len(line)
            candidates = [k for k in kinds if active(k, d, sec // 3600)]
            if i % 131 == 0 and candidates:
                kind = candidates[n_fail % len(candidates)]
                block = failure(kind, day, sec, d * 1000 + n_fail)
                lines.append(block)
                day_bytes += len(block)
                counts[kind] += 1
                n_fail += 1
            i += 1
        text = "".join(lines)
        out.write(text)
        written += len(text)
    end = (2, 29)
    for k in range(3):
        out.write(failure("dns", end, 86000 + k * 60, k))
        counts["dns"] += 1
print(f"generated {written / 1e6:.0f} MB in {path}; failing attempts: {counts}")
