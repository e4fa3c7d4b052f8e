"""The network environment every stage shares: which requests go through a proxy."""

from __future__ import annotations


def behind_proxy(host: str, scheme: str = "https") -> bool:
    """True when the environment sends requests for ``host`` through a proxy."""
    from urllib.request import getproxies_environment, proxy_bypass_environment

    proxies = getproxies_environment()
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not proxy_bypass_environment(host, proxies)
