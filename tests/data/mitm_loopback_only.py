# mitmproxy addon for the tests: refuse every upstream that is not a loopback address (or the
# address `--set lab_upstream=` names: the origins inside a test's own network namespace), so a
# test can never send traffic off this machine through mitmproxy. With `--set
# host_port_strict=true` it also refuses, as Squid's SSL-Bump does (ERR_CANNOT_FORWARD), a
# request whose Host names another port than the one the tunnel goes to.
import ipaddress

from mitmproxy import ctx, http


class LoopbackOnly:
    def load(self, loader):
        loader.add_option(
            "rewrite_answers", bool, False,
            "replace the body of the audit origins' answers, as a box that rewrites content does",
        )
        loader.add_option(
            "lab_upstream", str, "",
            "one more upstream address allowed (the origins in the test's network namespace)",
        )
        loader.add_option(
            "host_port_strict", bool, False,
            "refuse a request whose Host port differs from the upstream's (as Squid does)",
        )

    def server_connect(self, data):
        host = data.server.address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok and host != ctx.options.lab_upstream:
            data.server.error = "tlsinspect tests: upstreams other than loopback are refused"

    def response(self, flow):
        if ctx.options.rewrite_answers and flow.request.path.startswith("/tlsinspect-audit?"):
            flow.response.content = b"<html><body>inspected by the box</body></html>"
            flow.response.headers["Content-Type"] = "text/html"

    def request(self, flow):
        if not ctx.options.host_port_strict or flow.server_conn.address is None:
            return
        host = flow.request.host_header or ""
        named = host.rsplit(":", 1)[1] if host.rsplit(":", 1)[-1].isdigit() and ":" in host else "443"
        if named != str(flow.server_conn.address[1]):
            flow.response = http.Response.make(
                503, b"cannot forward", {"X-Squid-Error": "ERR_CANNOT_FORWARD 0"}
            )


addons = [LoopbackOnly()]
