"""The device edge: the one platform table, the Nornir runner, and device outcomes.

- :mod:`simpul.devices.platforms`: ``PlatformSpec``, everything a platform means, and ``platform_of``;
- :mod:`simpul.devices.outcomes`: ``DeviceError`` (one family, a category each) and the helper that
  turns a Nornir result into per-device outcomes with censored reasons;
- :mod:`simpul.devices.runner`: a Nornir over inventory hosts, and ``run_on_devices``.
"""
