"""The project's docs resolve: every `docs/<page>.md#<anchor>` cited from code, tests, README.md or the docs
themselves names a page and an anchor that exist, and every link between the docs pages lands.

A citation that no longer resolves is a rule the reader cannot find, so it fails here rather than in review.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# `docs/contract/bots-endpoints.md#leave`, as code cites a rule (from the repository root; the anchor is optional).
CITATION = re.compile(r"(?<![\w/.-])(docs/[A-Za-z0-9_./-]+?\.md)(?:#([A-Za-z0-9_-]+))?")
# `[text](target)` in Markdown; the target is relative to the page that holds the link.
LINK = re.compile(r"\]\(([^)\s]+)\)")
EXPLICIT_ANCHOR = re.compile(r'<a id="([^"]*)"></a>')
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
ANCHOR_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def heading_slug(text):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|<[^>]+>", "", text).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def prose(page):
    """The page without code blocks and code spans: an `<a id>` or a `#` shown as an example is no anchor."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def anchors(page):
    text = prose(page)
    return set(EXPLICIT_ANCHOR.findall(CODE_SPAN.sub("", text))) | {heading_slug(h) for h in HEADING.findall(text)}


def doc_pages():
    return sorted(DOCS.rglob("*.md"))


def citing_files():
    files = [ROOT / "README.md", *doc_pages()]
    for folder in ("sandbox", "tests"):
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.suffix in {".py", ".md", ".html", ".js", ".txt"}]
    return [p for p in files if p.is_file()]


def test_docs_exist_with_an_index():
    assert (DOCS / "README.md").is_file()
    assert list((DOCS / "contract").glob("*.md")), "docs/contract/ holds the contract pages"
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in doc_pages():
        if page.name != "README.md":
            assert page.relative_to(DOCS).as_posix() in index, f"{page.relative_to(ROOT)} is not in docs/README.md"


def test_every_citation_resolves():
    problems, seen = [], 0
    for source in citing_files():
        for number, line in enumerate(source.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for path, anchor in CITATION.findall(line):
                seen += 1
                where = f"{source.relative_to(ROOT)}:{number}: {path}{'#' + anchor if anchor else ''}"
                target = ROOT / path
                if not target.is_file():
                    problems.append(f"{where}: no such page")
                elif anchor and anchor not in anchors(target):
                    problems.append(f"{where}: no such anchor")
    assert seen, "docs/README.md shows how to cite, so at least its examples are found"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_links_between_pages_land(page):
    problems = []
    for target in LINK.findall(CODE_SPAN.sub("", prose(page))):
        if re.match(r"[a-z]+:", target):
            continue  # http(s):, mailto: and the like leave the repository
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.is_file():
            problems.append(f"{target}: no such file")
        elif anchor and anchor not in anchors(resolved):
            problems.append(f"{target}: no such anchor in {resolved.relative_to(ROOT)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_explicit_anchors_are_stable_names(page):
    """Anchors are what code cites: unique on their page, lower case with hyphens, and never bare numbers."""
    ids = EXPLICIT_ANCHOR.findall(CODE_SPAN.sub("", prose(page)))
    duplicates = sorted({a for a in ids if ids.count(a) > 1})
    assert not duplicates, f"anchors used twice: {duplicates}"
    bad = [a for a in ids if not ANCHOR_NAME.match(a)]
    assert not bad, f"anchors must be lower-case words joined by hyphens, starting with a letter: {bad}"
