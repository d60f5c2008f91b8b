#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check module/'s include layering (Documentation/design.rst, "Layout").

1. No include circle: no header includes, directly or through another,
   the header of a file (x.h of x.c) that includes it back.
2. The layers: a file includes only headers of its own layer or below.
   sessions (and park, refuse) > concerns (task/, mm/, files/) >
   services (image/, access, netlink, thawing) > data (headers of no
   .c file).
3. netlink.c includes no session header.
Prints each violation; exits 1 if there is one.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else 'module'
SESSIONS = {'main', 'device', 'ioctl', 'freeze', 'splice', 'park', 'refuse',
            'thaw', 'restore', 'remap'}
SERVICES = {'netlink', 'access', 'thawing'}
SESSION_HEADERS = {'session.h', 'freezing.h', 'thawing.h', 'freeze.h',
                   'thaw.h', 'device.h', 'ioctl.h'}


def files():
    for d, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(('.c', '.h')) and not n.endswith('.mod.c'):
                yield os.path.relpath(os.path.join(d, n), ROOT)


def includes(path):
    with open(os.path.join(ROOT, path)) as f:
        return re.findall(r'^#include "([^"]+)"', f.read(), re.M)


def layer(path):
    """3 sessions, 2 concerns, 1 services, 0 data."""
    base = os.path.splitext(path)[0]
    has_c = os.path.exists(os.path.join(ROOT, base + '.c'))
    if path.endswith('.h') and not has_c:
        return 0
    if '/' in base:
        return 1 if base.startswith('image/') else 2
    name = os.path.basename(base)
    if name in SESSIONS:
        return 3
    if name in SERVICES:
        return 1
    return 0


def closure(h, graph, seen=None):
    seen = set() if seen is None else seen
    for g in graph.get(h, []):
        if g not in seen:
            seen.add(g)
            closure(g, graph, seen)
    return seen


def main():
    all_files = sorted(files())
    graph = {f: [i for i in includes(f) if i != 'cryo.h'] for f in all_files}
    bad = []
    for h in (f for f in all_files if f.endswith('.h')):
        for g in closure(h, graph):
            c = os.path.splitext(g)[0] + '.c'
            if c in graph and (h in graph[c] or h in closure(c, graph)) \
               and g != h:
                bad.append('%s includes %s, whose %s includes %s back'
                           % (h, g, c, h))
    for f in all_files:
        for i in graph[f]:
            if i not in graph:
                bad.append('%s: %s not found' % (f, i))
            elif layer(i) > layer(f) and layer(f) != 3:
                bad.append('%s (layer %d) includes %s (layer %d)'
                           % (f, layer(f), i, layer(i)))
    for i in graph.get('netlink.c', []):
        if i in SESSION_HEADERS:
            bad.append('netlink.c includes the session header %s' % i)
    for b in bad:
        print(b)
    return 1 if bad else 0


sys.exit(main())
