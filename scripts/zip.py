#!/usr/bin/env python3
"""A reproducible zip: entries in the order given, every one dated SOURCE_DATE_EPOCH (the
commit's time), fixed permissions, deflated.
usage: zip.py OUT.zip NAME=PATH…   (NAME is the entry's name inside the zip)"""
import os
import sys
import time
import zipfile

stamp = time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")))[:6]
stamp = max(stamp, (1980, 1, 1, 0, 0, 0))
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for entry in sys.argv[2:]:
        name, path = entry.split("=", 1)
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(path, "rb") as data:
            archive.writestr(info, data.read(), compresslevel=9)
