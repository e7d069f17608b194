"""The report as a Word file styled like a Chinese official document (GB/T 9704-2012):
方正小标宋 title, 黑体 and 楷体 headings, 仿宋 body in 三号, 28-point fixed line spacing,
two-character first-line indent, A4 with the standard margins, page numbers — 1 —."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.services.exports.report import (
    BODY,
    HEADING_1,
    HEADING_2,
    ITEM,
    KAITI,
    LEAD,
    SIGNATURE,
    SUBTITLE,
    TITLE,
    Paragraph,
)

LATIN_FONT = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
LINE_SPACING = Pt(28)

STYLE_OF = {
    TITLE: "Title",
    SUBTITLE: "Subtitle",
    HEADING_1: "Heading 1",
    HEADING_2: "Heading 2",
    BODY: "Normal",
    ITEM: "Normal",
    SIGNATURE: "Normal",
}
_THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _child(parent: Any, tag: str) -> Any:
    """The first `tag` child, created as the first child when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert(0, found)
    return found


def set_fonts(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Fonts of a style or a run: Chinese text uses `east_asia` (w:eastAsia), Latin letters
    and digits `latin`. Theme fonts are removed, since Word prefers them to named fonts."""
    if hasattr(element, "get_or_add_rPr"):
        rpr = element.get_or_add_rPr()
    else:  # w:rPrDefault has no element class of its own; its w:rPr is its only child
        rpr = _child(element, "w:rPr")
    fonts = rpr.get_or_add_rFonts()
    for attribute in _THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def first_line_indent(element: Any, characters: int) -> None:
    """Indent the first line by whole characters (w:firstLineChars, which follows the font
    size), with the equivalent in twips for readers that ignore it. Set explicitly, also to
    zero, since a style based on Normal would otherwise inherit Normal's two characters."""
    # get_or_add_ind keeps w:ind where the schema wants it (before w:jc); Word is strict
    ind = element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(characters * 100))
    ind.set(qn("w:firstLine"), str(int(BODY_SIZE.pt * 20 * characters)))


def _style(
    style: ParagraphStyle,
    font: str,
    size: Pt,
    centered: bool = False,
    indent: bool = True,
) -> None:
    set_fonts(style.element, font)
    style.font.size = size
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_SPACING if size <= BODY_SIZE else Pt(size.pt * 1.6)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if centered else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.keep_with_next = style.name.startswith("Heading")
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)  # the template's Title has a rule under it
    first_line_indent(style.element, 2 if indent else 0)


def _setup(document: DocxDocument) -> None:
    # the defaults under every style: no theme fonts, Chinese text in 仿宋
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            set_fonts(rpr_default, BODY_FONT)
    styles = document.styles
    _style(styles["Normal"], BODY_FONT, BODY_SIZE)
    _style(styles["Title"], TITLE_FONT, TITLE_SIZE, centered=True, indent=False)
    _style(styles["Subtitle"], HEADING_2_FONT, BODY_SIZE, centered=True, indent=False)
    _style(styles["Heading 1"], HEADING_1_FONT, BODY_SIZE)
    _style(styles["Heading 2"], HEADING_2_FONT, BODY_SIZE)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(7)
    _page_numbers(section.footer.paragraphs[0])


def _page_numbers(paragraph: DocxParagraph) -> None:
    """— 1 — centred in the footer, in 宋体 四号 as official documents number pages."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first_line_indent(paragraph._p, 0)
    for text in ("— ", None, " —"):
        if text is None:
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), "PAGE")
            inner = OxmlElement("w:r")
            value = OxmlElement("w:t")
            value.text = "1"
            inner.append(value)
            field.append(inner)
            paragraph._p.append(field)
            continue
        run = paragraph.add_run(text)
        run.font.size = Pt(14)
        set_fonts(run._r, "宋体")


def _add(document: DocxDocument, paragraph: Paragraph) -> None:
    style = STYLE_OF[paragraph.kind]
    # Normal is the default: naming it would make python-docx search the styles every time
    out = document.add_paragraph(style=None if style == "Normal" else style)
    if paragraph.kind == SIGNATURE:
        out.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        first_line_indent(out._p, 0)
        out.paragraph_format.right_indent = Pt(64)  # four characters from the right edge
    for text, kind in paragraph.runs:
        run = out.add_run(text)
        if kind == LEAD:
            run.bold = True
        elif kind == KAITI:
            set_fonts(run._r, HEADING_2_FONT)


def report_document(paragraphs: list[Paragraph], title: str, as_of: datetime) -> bytes:
    """The .docx file for the report's paragraphs."""
    document = docx.Document()
    _setup(document)
    previous: str | None = None
    for paragraph in paragraphs:
        if paragraph.kind == SIGNATURE and previous != SIGNATURE:
            document.add_paragraph()  # a blank line above the signature
        _add(document, paragraph)
        if paragraph.kind == SUBTITLE:
            document.add_paragraph()  # and one under the title block
        previous = paragraph.kind
    properties = document.core_properties
    properties.title = title
    properties.author = "整改助手"
    naive = as_of.replace(tzinfo=None)
    properties.created = properties.modified = naive
    properties.last_modified_by = "整改助手"
    properties.revision = 1
    output = BytesIO()
    document.save(output)
    return output.getvalue()
