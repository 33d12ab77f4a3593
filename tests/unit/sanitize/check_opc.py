"""Checks a rebuilt OOXML package with Python's own zipfile and XML parser (independent of
the sanitizer's libzip and pugixml). Prints "ok", or one problem per line:

- the archive's CRCs (zipfile.testzip),
- every .xml and .rels part is well-formed XML without a DTD,
- every part has a content type, and every Override names an existing part,
- every internal relationship target exists, and every external one is a hyperlink,
- every relationship attribute (r:id, r:embed, ...) in a part names a relationship of it.

    python3 check_opc.py PACKAGE
"""
import posixpath
import sys
import urllib.parse
import zipfile
import xml.etree.ElementTree as ET

REL_NS = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "http://purl.oclc.org/ooxml/officeDocument/relationships"}
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def rels_name(part):
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def main(path):
    problems = []
    z = zipfile.ZipFile(path)
    bad = z.testzip()
    if bad:
        problems.append("bad CRC: " + bad)
    names = [n for n in z.namelist() if not n.endswith("/")]
    keys = {n.lower(): n for n in names}
    parsed = {}
    for n in names:
        if n.endswith(".xml") or n.endswith(".rels"):
            data = z.read(n)
            if b"<!DOCTYPE" in data:
                problems.append(n + ": DTD")
            try:
                parsed[n] = ET.fromstring(data)
            except ET.ParseError as e:
                problems.append("%s: not well-formed: %s" % (n, e))

    ct = parsed.get("[Content_Types].xml")
    if ct is None:
        problems.append("no [Content_Types].xml")
    else:
        defaults = {d.get("Extension").lower() for d in ct.findall(CT + "Default")}
        overrides = {o.get("PartName").lstrip("/").lower() for o in ct.findall(CT + "Override")}
        for o in sorted(overrides - set(keys)):
            problems.append("Override for a missing part: " + o)
        for n in names:
            if n == "[Content_Types].xml":
                continue
            base = posixpath.basename(n)
            ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
            if n.lower() not in overrides and ext not in defaults:
                problems.append(n + ": no content type")

    ids_of = {}
    for n, root in parsed.items():
        if not n.endswith(".rels"):
            continue
        d, f = posixpath.split(n)
        src_dir = posixpath.dirname(d)
        source = posixpath.join(src_dir, f[:-5]) if f != ".rels" else ""
        if source and source.lower() not in keys:
            problems.append(n + ": relationships of a missing part")
        ids = set()
        for r in root.findall(PKG_REL + "Relationship"):
            ids.add(r.get("Id"))
            target = r.get("Target")
            if r.get("TargetMode") == "External":
                if not r.get("Type").endswith("/hyperlink"):
                    problems.append("%s: external %s -> %s" % (n, r.get("Type"), target))
                continue
            t = urllib.parse.unquote(target.split("#")[0])
            p = posixpath.normpath(t.lstrip("/") if t.startswith("/") else posixpath.join(src_dir, t))
            if p.lower() not in keys:
                problems.append("%s: %s -> %s is missing" % (n, r.get("Id"), target))
        ids_of[source.lower()] = ids

    for n, root in parsed.items():
        if n.endswith(".rels") or n == "[Content_Types].xml":
            continue
        ids = ids_of.get(n.lower(), set())
        for el in root.iter():
            for k, v in el.attrib.items():
                if k.startswith("{") and k[1:].split("}")[0] in REL_NS and v and v not in ids:
                    problems.append("%s: %s %s=%s names no relationship" % (n, el.tag, k, v))

    print("\n".join(problems) if problems else "ok")


if __name__ == "__main__":
    main(sys.argv[1])
