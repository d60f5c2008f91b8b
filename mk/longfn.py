#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""List C functions longer than LIMIT lines (default 80) with no comment
right above them saying why they are one piece ("one piece" in it)."""
import re
import sys

LIMIT = 80


def main(paths):
    bad = 0
    for p in paths:
        lines = open(p).read().split('\n')
        start = None
        body = False
        for i, l in enumerate(lines):
            if start is None:
                if re.match(r'^[a-z].*\(', l) and not l.rstrip().endswith(';'):
                    start, body = i, False
                continue
            if not body:
                if l.startswith('{'):
                    body = True
                elif l.rstrip().endswith(';') or i > start + 6:
                    start = None
                continue
            if l.startswith('}'):
                n = i - start
                above = '\n'.join(lines[max(0, start - 12):start]).lower()
                if n > LIMIT and 'one piece' not in above:
                    print('%s:%d: %s (%d lines)' % (p, start + 1,
                                                    lines[start], n))
                    bad += 1
                start = None
    return 1 if bad else 0


sys.exit(main(sys.argv[1:]))
