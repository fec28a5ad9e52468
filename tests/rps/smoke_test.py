#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Host test of rps-peer: a fake device (RPS client plus a small AMT
WS-Man model with digest auth) talks to rps-peer over wss on 127.0.0.1.

usage: smoke_test.py [PEER_BINARY]   (default: ./rps-peer next to this file)
Prints TAP and exits non-zero when a check fails.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "rps-peer")
UUID = "12345678-1234-4321-abcd-0123456789ab"
LSA_USER, LSA_PASSWORD = "$$OsAdmin", "lsa-secret-1"
PROFILE_PASSWORD = "P@ssw0rd-ccm"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class FakeAmt:
    """WS-Man endpoint with the provisioning rules fwsim also follows."""

    def __init__(self, always_401=False, fail_method=None):
        self.realm = "Digest:" + secrets.token_hex(16).upper()
        self.nonces = []
        self.admin_ha1 = None
        self.always_401 = always_401
        self.fail_method = fail_method  # this method returns ReturnValue 1
        self.requests = []
        self.calls = []  # "Class Operation" of each authorized call
        self.puts = {}  # the last Put body of each class
        self.last_invoke = {}

    def handle(self, raw):
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, v in
                   (line.split(":", 1) for line in lines[1:])}
        self.requests.append((lines[0], headers))
        assert lines[0] == "POST /wsman HTTP/1.1", lines[0]
        assert headers["host"] == UUID + ":16992", headers["host"]
        assert headers["transfer-encoding"] == "chunked"
        assert headers["connection"] == "close"
        xml = self.dechunk(body)
        if self.always_401 or not self.authorized(headers.get("authorization")):
            nonce = secrets.token_hex(16)
            self.nonces.append(nonce)
            return ("HTTP/1.1 401 Unauthorized\r\n"
                    f'WWW-Authenticate: Digest realm="{self.realm}", '
                    f'nonce="{nonce}", stale="false", qop="auth"\r\n'
                    "Content-Length: 0\r\nConnection: close\r\n\r\n").encode()
        if "AMT_GeneralSettings</w:ResourceURI>" in xml:
            out = (f"<a:Body><g:AMT_GeneralSettings><g:DigestRealm>{self.realm}"
                   "</g:DigestRealm></g:AMT_GeneralSettings></a:Body>")
        elif "IPS_HostBasedSetupService/Setup</a:Action>" in xml:
            enc = re.search(r"NetAdminPassEncryptionType>(\d+)<", xml).group(1)
            pw = re.search(r"NetworkAdminPassword>([0-9a-f]{32})<", xml).group(1)
            ok = enc == "2" and self.admin_ha1 is None
            if ok:
                self.admin_ha1 = pw
            out = ("<a:Body><g:Setup_OUTPUT><g:ReturnValue>"
                   f"{0 if ok else 2}</g:ReturnValue></g:Setup_OUTPUT></a:Body>")
        else:
            out = self.configuration_call(xml)
            if out is None:
                return b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
        # Small chunks exercise the peer's chunked decoding.
        data = out.encode()
        chunks = b"".join(b"%X\r\n%s\r\n" % (len(data[i:i + 40]), data[i:i + 40])
                          for i in range(0, len(data), 40))
        return (b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")

    def configuration_call(self, xml):
        """Replies to the calls RPS makes after Setup with minimal bodies."""
        action = re.search(r"<a:Action>([^<]*)</a:Action>", xml).group(1)
        uri = re.search(r"<w:ResourceURI>([^<]*)</w:ResourceURI>", xml).group(1)
        cls = uri.rsplit("/", 1)[1]
        operation = action.rsplit("/", 1)[1]
        self.calls.append(f"{cls} {operation}")
        if operation == "Enumerate":
            return ("<a:Body><h:EnumerateResponse><h:EnumerationContext>ctx-"
                    f"{len(self.calls)}</h:EnumerationContext></h:EnumerateResponse></a:Body>")
        if operation == "Pull":
            items = ""
            if cls == "AMT_EthernetPortSettings":
                items = ("<g:AMT_EthernetPortSettings><g:InstanceID>port 1</g:InstanceID>"
                         "<g:PhysicalConnectionType>3</g:PhysicalConnectionType>"
                         "</g:AMT_EthernetPortSettings>"
                         "<g:AMT_EthernetPortSettings><g:InstanceID>port 0</g:InstanceID>"
                         "<g:PhysicalConnectionType>0</g:PhysicalConnectionType>"
                         "</g:AMT_EthernetPortSettings>")
            return (f"<a:Body><h:PullResponse><h:Items>{items}</h:Items>"
                    "<h:EndOfSequence/></h:PullResponse></a:Body>")
        if operation == "Get":
            return f"<a:Body><g:{cls}><g:Name>x</g:Name></g:{cls}></a:Body>"
        if operation == "Put":
            # Echo the new values, as AMT returns the updated instance.
            self.puts[cls] = re.search(r"<Body>(.*)</Body>", xml).group(1)
            return "<a:Body>" + self.puts[cls] + "</a:Body>"
        if action == uri + "/" + operation:
            self.last_invoke[operation] = xml
            value = 1 if operation == self.fail_method else 0
            extra = ""
            if operation == "AddMpServer":
                extra = ('<g:MpServer><c:SelectorSet><c:Selector Name="Name">mps 0'
                         "</c:Selector></c:SelectorSet></g:MpServer>")
            return (f"<a:Body><g:{operation}_OUTPUT>{extra}<g:ReturnValue>{value}"
                    f"</g:ReturnValue></g:{operation}_OUTPUT></a:Body>")
        return None

    @staticmethod
    def dechunk(body):
        out = b""
        while True:
            size_line, _, body = body.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                return out.decode()
            out += body[:size]
            assert body[size:size + 2] == b"\r\n"
            body = body[size + 2:]

    def authorized(self, header):
        if not header or not header.startswith("Digest "):
            return False
        params = {key: quoted or bare for key, quoted, bare in
                  re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header[7:])}
        if params.get("nonce") not in self.nonces or params.get("qop") != "auth":
            return False
        if self.admin_ha1:
            if params["username"] != "admin":
                return False
            ha1 = self.admin_ha1
        else:
            if params["username"] != LSA_USER:
                return False
            ha1 = md5(f"{LSA_USER}:{self.realm}:{LSA_PASSWORD}")
        ha2 = md5("POST:" + params["uri"])
        want = md5(f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:auth:{ha2}")
        return params["response"] == want


class WsClient:
    def __init__(self, port, ca, path="/activate"):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            data = self.sock.recv(1)
            if not data:
                break
            head += data
        self.status_line = head.split(b"\r\n")[0].decode()
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.accept_ok = f"Sec-WebSocket-Accept: {accept}".encode() in head

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("connection closed")
            data += chunk
        return data

    def send(self, text, opcode=1):
        data = text.encode() if isinstance(text, str) else text
        mask = secrets.token_bytes(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def recv(self):
        """Returns the next text message, or None on close."""
        b0, b1 = self.recv_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recv_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recv_exact(8))[0]
        data = self.recv_exact(n)
        if b0 & 0x0F == 8:
            self.send(data[:2], opcode=8)
            return None
        return data.decode()


def plain_get(port, ca):
    """Sends a GET without Upgrade headers and returns the status line."""
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    with ctx.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(b"GET /activate HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return sock.recv(4096).split(b"\r\n")[0].decode()


def activation_message(profile="ccm", protocol="4.0.0", mode=0, **overrides):
    payload = {"ver": "16.1.25", "build": "2049", "sku": "16392",
               "features": "AMT Pro Corporate", "uuid": UUID,
               "username": LSA_USER, "password": LSA_PASSWORD,
               "currentMode": mode, "hostname": "testhost", "fqdn": "",
               "client": "RPC", "certHashes": []}
    payload.update(overrides)
    return json.dumps({"method": f"activate --profile {profile}", "apiKey": "key",
                       "appVersion": "2.0.0", "protocolVersion": protocol,
                       "status": "ok", "message": "ok", "fqdn": "",
                       "payload": base64.b64encode(json.dumps(payload).encode()).decode(),
                       "tenantId": ""})


def envelope(method, payload=b""):
    return json.dumps({"method": method, "apiKey": "key", "appVersion": "2.0.0",
                       "protocolVersion": "4.0.0", "status": "ok", "message": "ok",
                       "payload": base64.b64encode(payload).decode()})


def run_device(ws, amt, first, max_messages=100):
    """Relays the peer's wsman calls to @amt; returns (final message, methods).
    @first is the client's first message, or None when it was sent already."""
    if first is not None:
        ws.send(first)
    methods = []
    for _ in range(max_messages):
        text = ws.recv()
        if text is None:
            return None, methods
        msg = json.loads(text)
        methods.append(msg["method"])
        if msg["method"] == "wsman":
            reply = amt.handle(base64.b64decode(msg["payload"]))
            ws.send(envelope("response", reply))
        elif msg["method"] == "heartbeat_request":
            ws.send(envelope("heartbeat_response"))
        elif msg["method"] == "bogus_method":
            continue
        else:
            return msg, methods
    return None, methods


class Peer:
    def __init__(self, certs, *extra):
        self.dir = tempfile.mkdtemp(prefix="rps-peer-test.")
        ready = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "peer.log")
        self.proc = subprocess.Popen(
            [PEER, "--port", "0", "--cert", f"{certs}/server.pem",
             "--key", f"{certs}/server.key", "--profile", f"ccm:{PROFILE_PASSWORD}",
             "--profile", f"cira:{PROFILE_PASSWORD}:cira",
             "--once", "--accept-timeout", "30", "--log", self.log,
             "--ready-file", ready, *extra])
        for _ in range(100):
            if os.path.exists(ready):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("rps-peer exited early")
            subprocess.run(["sleep", "0.05"])
        with open(ready) as f:
            self.port = int(f.read())

    def finish(self):
        try:
            rc = self.proc.wait(timeout=70)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = -1
        self.log_copy = self.log_text()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def log_text(self):
        with open(self.log) as f:
            return f.read()


results = []


def check(name, condition, detail=""):
    results.append(condition)
    print(f"{'ok' if condition else 'not ok'} {len(results)} - {name}")
    if not condition and detail:
        print("# " + str(detail).replace("\n", "\n# "))


def main():
    certs = tempfile.mkdtemp(prefix="rps-certs.")
    subprocess.run([os.path.join(HERE, "gen-certs.sh"), certs], check=True)
    ca = f"{certs}/ca.pem"

    # 1. A whole CCM activation with a heartbeat.
    peer = Peer(certs, "--heartbeat")
    ws = WsClient(peer.port, ca)
    check("upgrade returns 101", ws.status_line == "HTTP/1.1 101 Switching Protocols",
          ws.status_line)
    check("Sec-WebSocket-Accept matches", ws.accept_ok)
    amt = FakeAmt()
    final, methods = run_device(ws, amt, activation_message())
    check("activation ends with success", final and final["method"] == "success", final)
    status = json.loads(final["message"]) if final else {}
    check("success status is client control mode",
          status.get("Status") == "Client control mode", status)
    check("heartbeat sent once", methods.count("heartbeat_request") == 1, methods)
    check("Setup stored the admin digest",
          amt.admin_ha1 == md5(f"admin:{amt.realm}:{PROFILE_PASSWORD}"))
    check("first wsman call has no Authorization",
          "authorization" not in amt.requests[0][1])
    rc = peer.finish()
    check("peer exits 0 after success", rc == 0, rc)
    log = peer.log_copy
    check("log has no password", PROFILE_PASSWORD not in log and LSA_PASSWORD not in log)
    check("wired port set to DHCP",
          "<h:InstanceID>port 0</h:InstanceID>" in amt.puts.get("AMT_EthernetPortSettings", "")
          and "<h:DHCPEnabled>true</h:DHCPEnabled>" in amt.puts.get("AMT_EthernetPortSettings", ""),
          amt.puts)
    expected_order = ["AMT_EthernetPortSettings Enumerate", "AMT_EthernetPortSettings Put",
                      "AMT_8021XProfile Get", "CIM_WiFiEndpointSettings Pull",
                      "AMT_HTTPProxyAccessPoint Pull", "AMT_RemoteAccessPolicyRule Pull",
                      "AMT_ManagementPresenceRemoteSAP Pull", "AMT_TLSSettingData Pull",
                      "AMT_PublicKeyCertificate Pull", "AMT_EnvironmentDetectionSettingData Get",
                      "AMT_RedirectionService RequestStateChange", "IPS_OptInService Put",
                      "CIM_KVMRedirectionSAP RequestStateChange"]
    positions = [amt.calls.index(c) if c in amt.calls else -1 for c in expected_order]
    check("configuration calls in RPS order",
          -1 not in positions and positions == sorted(positions), amt.calls)
    check("no CIRA calls without a CIRA profile",
          not any("AddMpServer" in c for c in amt.calls), amt.calls)
    check("success reports the network",
          status.get("Network", "").startswith("Wired network configured"), status)
    check("success reports no CIRA", status.get("CIRAConnection") == "None", status)

    # 1b. A profile with CIRA adds the root, the MPS, a rule and turns on
    # user-initiated connections, in that order.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    amt = FakeAmt()
    final, _ = run_device(ws, amt, activation_message(profile="cira"))
    check("CIRA activation ends with success", final and final["method"] == "success", final)
    status = json.loads(final["message"]) if final else {}
    check("success reports CIRA configured", status.get("CIRAConnection") == "Configured", status)
    cira_calls = [c for c in amt.calls if c.split()[1] in
                  ("AddTrustedRootCertificate", "AddMpServer", "AddRemoteAccessPolicyRule")
                  or c == "AMT_UserInitiatedConnectionService RequestStateChange"]
    check("CIRA calls in RPS order", cira_calls == [
        "AMT_PublicKeyManagementService AddTrustedRootCertificate",
        "AMT_RemoteAccessService AddMpServer",
        "AMT_RemoteAccessService AddRemoteAccessPolicyRule",
        "AMT_UserInitiatedConnectionService RequestStateChange"], amt.calls)
    check("policy rule names the new MPS",
          '<Selector Name="Name">mps 0</Selector>' in amt.last_invoke.get("AddRemoteAccessPolicyRule", ""))
    check("peer exits 0 after CIRA success", peer.finish() == 0)

    # 1c. A method that returns non-zero fails the session with its name.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(fail_method="AddMpServer"),
                          activation_message(profile="cira"))
    check("failed AddMpServer ends in error",
          final and final["method"] == "error" and "AddMpServer" in final["message"]
          and "ReturnValue 1" in final["message"], final)
    check("peer exits 1 after a failed method", peer.finish() == 1)

    # 1d. Misbehaving server: an unknown method is skipped by this device
    # and the session still succeeds; a non-JSON frame ends the session.
    peer = Peer(certs, "--misbehave", "unknown-method")
    ws = WsClient(peer.port, ca)
    final, methods = run_device(ws, FakeAmt(), activation_message())
    check("unknown method sent first", methods[:1] == ["bogus_method"], methods)
    check("session goes on after the unknown method",
          final and final["method"] == "success", final)
    peer.finish()
    peer = Peer(certs, "--misbehave", "non-json")
    ws = WsClient(peer.port, ca)
    ws.send(activation_message())
    check("non-JSON frame sent", ws.recv() == "this is not {JSON")
    ws.sock.close()
    check("peer exits 1 after the non-JSON frame", peer.finish() == 1)
    peer = Peer(certs, "--misbehave", "bad-base64")
    ws = WsClient(peer.port, ca)
    ws.send(activation_message())
    text = ws.recv()
    check("wsman payload is not base64",
          text is not None and json.loads(text)["payload"] == "%%not*base64%%", text)
    ws.sock.close()
    check("peer exits 1 after the bad payload", peer.finish() == 1)

    # 1e. --misbehave drop: after the first WS-Man reply the peer closes
    # TCP with neither a close frame nor a TLS close_notify.
    peer = Peer(certs, "--misbehave", "drop")
    ws = WsClient(peer.port, ca)
    amt = FakeAmt()
    ws.send(activation_message())
    first = json.loads(ws.recv())
    check("drop: first message is wsman", first["method"] == "wsman", first)
    ws.send(envelope("response", amt.handle(base64.b64decode(first["payload"]))))
    try:
        after = ws.sock.recv(16)
    except ssl.SSLEOFError:
        after = b""
    check("drop: connection ends without a close frame", after == b"", after)
    check("peer exits 1 after the drop", peer.finish() == 1)
    check("drop is logged", "dropping the connection" in peer.log_copy, peer.log_copy)

    # 1f. --pause-file: after the first WS-Man reply the peer creates the
    # file and sends nothing until the file is removed.
    pause = os.path.join(certs, "pause")
    peer = Peer(certs, "--pause-file", pause)
    ws = WsClient(peer.port, ca)
    amt = FakeAmt()
    ws.send(activation_message())
    first = json.loads(ws.recv())
    ws.send(envelope("response", amt.handle(base64.b64decode(first["payload"]))))
    for _ in range(100):
        if os.path.exists(pause):
            break
        time.sleep(0.05)
    check("pause file created after the first reply", os.path.exists(pause))
    ws.sock.settimeout(1)
    try:
        early = ws.sock.recv(1)
    except (socket.timeout, TimeoutError):
        early = None
    check("peer sends nothing while paused", early is None, early)
    ws.sock.settimeout(15)
    if os.path.exists(pause):
        os.unlink(pause)
    final, _ = run_device(ws, amt, None)
    check("session succeeds after the pause",
          final and final["method"] == "success", final)
    check("peer exits 0 after the pause", peer.finish() == 0)

    # 2. Unknown profile.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(), activation_message(profile="nosuch"))
    check("unknown profile gets error", final and final["method"] == "error", final)
    check("error names the profile", final and "nosuch" in final["message"], final)
    check("peer exits 1 after error", peer.finish() == 1)

    # 3. Protocol version 3.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(), activation_message(protocol="3.0.0"))
    check("protocol 3.0.0 rejected",
          final and final["method"] == "error" and "3.0.0" in final["message"], final)
    peer.finish()
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(), activation_message(protocol=None))
    check("missing protocolVersion rejected",
          final and final["method"] == "error" and "protocolVersion" in final["message"], final)
    peer.finish()

    # 4. Short UUID, missing password, bad mode, old firmware.
    cases = [("short uuid rejected", {"uuid": "1234"}, "36"),
             ("missing password rejected", {"password": ""}, "password"),
             ("currentMode 3 rejected", {"currentMode": 3}, "currentMode"),
             ("AMT 6 rejected", {"ver": "6.2.0"}, "older than 7"),
             ("client other than RPC rejected", {"client": "X"}, "RPC")]
    for name, override, word in cases:
        peer = Peer(certs)
        ws = WsClient(peer.port, ca)
        final, _ = run_device(ws, FakeAmt(), activation_message(**override))
        check(name, final and final["method"] == "error" and word in final["message"], final)
        peer.finish()

    # 5. AMT rejects every credential: the peer stops after 3 401s.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    amt = FakeAmt(always_401=True)
    final, methods = run_device(ws, amt, activation_message())
    check("three 401s end in error", final and final["method"] == "error", final)
    check("exactly three wsman requests", methods.count("wsman") == 3, methods)
    check("peer exits 1 after 401s", peer.finish() == 1)

    # 6. Already in CCM with the right and the wrong AMT password.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    amt = FakeAmt()
    amt.admin_ha1 = md5(f"admin:{amt.realm}:{PROFILE_PASSWORD}")
    final, _ = run_device(ws, amt, activation_message(mode=1, username="admin",
                                                      password=PROFILE_PASSWORD))
    check("activated device reports success", final and final["method"] == "success", final)
    check("peer exits 0 for activated device", peer.finish() == 0)
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, amt, activation_message(mode=1, password="wrong"))
    check("wrong AMT password rejected", final and final["method"] == "error", final)
    peer.finish()

    # 7a. Deactivation: Unprovision(1) as admin, then success.
    def deactivation_message(password, mode=1):
        text = json.loads(activation_message(mode=mode, username="admin", password=password))
        text["method"] = f"deactivate --password {password}"
        return json.dumps(text)

    amt = FakeAmt()
    amt.admin_ha1 = md5(f"admin:{amt.realm}:{PROFILE_PASSWORD}")
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, amt, deactivation_message(PROFILE_PASSWORD))
    check("deactivation reports success", final and final["method"] == "success", final)
    check("deactivation status is Deactivated",
          final and json.loads(final["message"]).get("Status") == "Deactivated", final)
    check("deactivation sends only Unprovision",
          amt.calls == ["AMT_SetupAndConfigurationService Unprovision"], amt.calls)
    unprovision = amt.last_invoke.get("Unprovision", "")
    check("Unprovision has ProvisioningMode 1",
          "<h:ProvisioningMode>1</h:ProvisioningMode>" in unprovision, unprovision)
    check("peer exits 0 after deactivation", peer.finish() == 0)
    check("deactivation log has no password", PROFILE_PASSWORD not in peer.log_copy)

    amt = FakeAmt()
    amt.admin_ha1 = md5(f"admin:{amt.realm}:{PROFILE_PASSWORD}")
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, amt, deactivation_message("Wrong-Passw0rd"))
    check("deactivation with wrong password fails",
          final and final["method"] == "error" and "3 times" in final["message"], final)
    peer.finish()

    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(), deactivation_message(PROFILE_PASSWORD, mode=0))
    check("deactivation in pre-provisioning fails",
          final and final["method"] == "error" and "pre-provisioning" in final["message"], final)
    peer.finish()

    fail_amt = FakeAmt(fail_method="Unprovision")
    fail_amt.admin_ha1 = md5(f"admin:{fail_amt.realm}:{PROFILE_PASSWORD}")
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, fail_amt, deactivation_message(PROFILE_PASSWORD))
    check("Unprovision ReturnValue 1 fails",
          final and final["method"] == "error" and "Unprovision returned 1" in final["message"],
          final)
    peer.finish()

    # 7b. --misbehave reject-upgrade: 401 to the WebSocket upgrade.
    peer = Peer(certs, "--misbehave", "reject-upgrade")
    ws = WsClient(peer.port, ca)
    check("reject-upgrade gets 401", ws.status_line.startswith("HTTP/1.1 401"), ws.status_line)
    check("peer exits 1 after 401", peer.finish() == 1)

    # 7. Wrong path and a plain HTTP GET.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca, path="/other")
    check("wrong path gets 404", ws.status_line.startswith("HTTP/1.1 404"), ws.status_line)
    check("peer exits 1 after 404", peer.finish() == 1)
    peer = Peer(certs)
    status_line = plain_get(peer.port, ca)
    check("plain GET gets 400", status_line.startswith("HTTP/1.1 400"), status_line)
    peer.finish()

    # 8. Not JSON, then a client that never sends anything.
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    final, _ = run_device(ws, FakeAmt(), "not json")
    check("non-JSON message rejected",
          final and final["method"] == "error" and "JSON" in final["message"], final)
    peer.finish()
    peer = Peer(certs)
    ws = WsClient(peer.port, ca)
    started = time.monotonic()
    rc = peer.finish()
    waited = time.monotonic() - started
    check("silent client times out", rc == 1, rc)
    check("timeout after about 12 s", 11 <= waited <= 20, waited)
    check("timeout is logged", "timed out waiting for the activation request" in peer.log_copy,
          peer.log_copy)

    shutil.rmtree(certs, ignore_errors=True)
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
