# mitmproxy addon for the tests: refuse every upstream that is not a loopback address, so a
# test can never send traffic off this machine through mitmproxy.
import ipaddress

class LoopbackOnly:
    def server_connect(self, data):
        host = data.server.address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok:
            data.server.error = "tlsinspect tests: upstreams other than loopback are refused"

addons = [LoopbackOnly()]
