#!/usr/bin/env python3
"""Extract the SQL examples of Markdown files (pgRouting's docqueries idea).

Every ```sql block is an example. A block is skipped when the line before it
(blank lines aside) is `<!-- norun -->` (signatures, fragments); a block
preceded by `<!-- error -->` must fail (it shows an error), every statement
of it but the last must succeed.

Inside a block, SQL statements end with `;` at the end of a line. When a
header line and its rule (`----+----`) follow a statement, they and the rows
up to the next blank or comment line are the psql output shown to the reader
and are not run.

    doc_examples.py FILE.md...   prints one JSON object per block:
    {"file":..., "line":..., "mode": "run"|"error", "statements": [...]}
"""
import json
import re
import sys

FENCE = re.compile(r'^```(\w*)\s*$')
MARK = re.compile(r'^<!--\s*(norun|error)\s*-->\s*$')


def blocks(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    i, mark = 0, None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                mm = MARK.match(lines[i].strip())
                mark = mm.group(1) if mm else None
            i += 1
            continue
        lang, start, body = m.group(1), i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith('```'):
            body.append(lines[i])
            i += 1
        i += 1
        if lang == 'sql' and mark != 'norun':
            yield start, mark or 'run', body
        mark = None


RULE = re.compile(r'^-+(\+-+)*$')   # psql's header rule, not a comment


def is_comment(s):
    return s.startswith('--') and not RULE.match(s)


def statements(body):
    out, cur, i = [], [], 0
    while i < len(body):
        line, s = body[i], body[i].strip()
        i += 1
        if not cur and (s == '' or is_comment(s)):
            continue
        cur.append(line)
        if re.search(r';\s*(--.*)?$', s):
            out.append('\n'.join(cur))
            cur = []
            # psql's answer follows: a header line, its rule, rows, up to a
            # blank or comment line
            if i + 1 < len(body) and body[i].strip() and RULE.match(body[i + 1].strip()):
                while i < len(body) and body[i].strip() and not is_comment(body[i].strip()):
                    i += 1
    if cur:
        raise SystemExit('unterminated statement: ' + ' '.join(cur))
    return out


def main():
    for path in sys.argv[1:]:
        for line, mode, body in blocks(path):
            print(json.dumps({'file': path, 'line': line, 'mode': mode,
                              'statements': statements(body)}, ensure_ascii=False))


if __name__ == '__main__':
    main()
