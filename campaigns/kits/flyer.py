"""The kit's one-page flyer (PDF, A4): the partner's logo, colours and contact block around the
campaign's title and text, with a QR code to the campaign page.

Drawn with reportlab (BSD). Text goes through reportlab's paragraph mini-markup, so every text
is XML-escaped before it is placed: a tagline like `<b onload=...>` prints as typed.
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from PIL import Image
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer

from campaigns.kits import fonts
from campaigns.kits.images import WIDE, fit_within
from campaigns.kits.inputs import BrandKit, KitCopy, VendorInfo
from campaigns.kits.words import kit_words
from content.brand import WHITE, best_text_colour

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 40.0
BAND = 120.0
CONTACT_HEIGHT = 170.0
QR_SIZE = 118.0
# Binary image streams instead of ASCII85: a third smaller and much faster (reportlab's pure
# Python ASCII85 encoder is the slowest step of a flyer otherwise). Valid PDF either way.
rl_config.useA85 = 0
INK = HexColor("#1b2430")
MUTED = HexColor("#4a5565")


@lru_cache(maxsize=1)
def flyer_fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans embedded when installed, else Helvetica (logged)."""
    if not fonts.dejavu_available():
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("KitSans", str(fonts.REGULAR)))
    pdfmetrics.registerFont(TTFont("KitSans-Bold", str(fonts.BOLD)))
    return "KitSans", "KitSans-Bold"


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render_flyer(
    copy: KitCopy,
    brand: BrandKit,
    vendor: VendorInfo,
    logo: Image.Image | None,
    hero_jpeg: bytes | None,
    vendor_logo: Image.Image | None = None,
) -> bytes:
    """A4, one page. `hero_jpeg` is the campaign's first image at 1200x628 (embedded as it is)."""
    regular, bold = flyer_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1, lang=copy.locale)
    canvas.setTitle(copy.flyer_title)
    canvas.setAuthor(brand.partner_name)
    canvas.setSubject(copy.campaign_name)
    _draw_header(canvas, brand, logo, bold)
    top = PAGE_HEIGHT - BAND - 6 - 24
    if hero_jpeg is not None:
        height = (PAGE_WIDTH - 2 * MARGIN) * WIDE[1] / WIDE[0]
        canvas.drawImage(ImageReader(io.BytesIO(hero_jpeg)), MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height)
        top -= height + 20
    bottom = MARGIN + 18 + CONTACT_HEIGHT
    _draw_story(canvas, copy, top, bottom, regular, bold)
    _draw_contact(canvas, copy, brand, regular, bold)
    _draw_qr(canvas, copy, regular)
    _draw_vendor_line(canvas, copy, vendor, vendor_logo, regular)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_vendor_line(
    canvas: Canvas, copy: KitCopy, vendor: VendorInfo, vendor_logo: Image.Image | None, regular: str
) -> None:
    """The vendor's locked line at the foot of the page, with its logo at the right when there is one."""
    _ = kit_words(copy.locale)
    partnership = _("In partnership with %(vendor)s", vendor=vendor.name)
    canvas.setFont(regular, 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, MARGIN - 12, " · ".join([partnership, *vendor.postal_address.splitlines()])[:150])
    if vendor_logo is not None:
        fitted = fit_within(vendor_logo, (240, 48))
        height = 16.0
        width = fitted.width * height / fitted.height
        canvas.drawImage(ImageReader(fitted), PAGE_WIDTH - MARGIN - width, MARGIN - 16, width, height, mask="auto")


def _draw_header(canvas: Canvas, brand: BrandKit, logo: Image.Image | None, bold: str) -> None:
    canvas.setFillColor(HexColor(brand.primary_colour))
    canvas.rect(0, PAGE_HEIGHT - BAND, PAGE_WIDTH, BAND, stroke=0, fill=1)
    canvas.setFillColor(HexColor(brand.accent_colour))
    canvas.rect(0, PAGE_HEIGHT - BAND - 6, PAGE_WIDTH, 6, stroke=0, fill=1)
    if logo is None:
        canvas.setFillColor(HexColor(best_text_colour(brand.primary_colour)))
        canvas.setFont(bold, 22)
        canvas.drawString(MARGIN, PAGE_HEIGHT - BAND / 2 - 8, brand.partner_name[:60])
        return
    fitted = fit_within(logo, (440, 160))
    scale = min(220 / fitted.width, 80 / fitted.height)
    width, height = fitted.width * scale, fitted.height * scale
    panel_y = PAGE_HEIGHT - BAND / 2 - height / 2 - 10
    canvas.setFillColor(HexColor(WHITE))
    canvas.roundRect(MARGIN - 10, panel_y, width + 20, height + 20, 6, stroke=0, fill=1)
    canvas.drawImage(ImageReader(fitted), MARGIN, panel_y + 10, width, height, mask="auto")


def _draw_story(canvas: Canvas, copy: KitCopy, top: float, bottom: float, regular: str, bold: str) -> None:
    title = ParagraphStyle("title", fontName=bold, fontSize=24, leading=29, textColor=INK)
    body = ParagraphStyle("body", fontName=regular, fontSize=11.5, leading=16, textColor=INK, spaceAfter=8)
    story: list[Flowable] = [_paragraph(copy.flyer_title, title), Spacer(1, 10)]
    story += [_paragraph(block.strip(), body) for block in copy.flyer_text.split("\n\n") if block.strip()]
    frame = Frame(MARGIN, bottom, PAGE_WIDTH - 2 * MARGIN, top - bottom, 0, 0, 0, 0, showBoundary=0)
    frame.addFromList([KeepInFrame(PAGE_WIDTH - 2 * MARGIN, top - bottom, story, mode="shrink")], canvas)


def _draw_contact(canvas: Canvas, copy: KitCopy, brand: BrandKit, regular: str, bold: str) -> None:
    _ = kit_words(copy.locale)
    canvas.setFillColor(HexColor(brand.accent_colour))
    canvas.rect(MARGIN, MARGIN + 18 + CONTACT_HEIGHT - 4, PAGE_WIDTH - 2 * MARGIN, 3, stroke=0, fill=1)
    label = ParagraphStyle("label", fontName=bold, fontSize=9.5, leading=13, textColor=MUTED)
    name = ParagraphStyle("name", fontName=bold, fontSize=13, leading=17, textColor=INK)
    line = ParagraphStyle("line", fontName=regular, fontSize=10.5, leading=14.5, textColor=INK)
    lines = [brand.tagline, *brand.postal_address.splitlines()]
    details = [(_("Phone"), brand.phone), (_("Email"), brand.email), (_("Website"), brand.website)]
    lines += [f"{label_text}: {value}" for label_text, value in details if value]
    story: list[Flowable] = [_paragraph(_("Questions? Get in touch"), label), _paragraph(brand.partner_name, name)]
    story += [_paragraph(text, line) for text in lines if text]
    width, height = PAGE_WIDTH - 2 * MARGIN - QR_SIZE - 24, CONTACT_HEIGHT - 16
    frame = Frame(MARGIN, MARGIN + 18, width, height, 0, 0, 0, 0, showBoundary=0)
    frame.addFromList([KeepInFrame(width, height, story, mode="shrink")], canvas)


@lru_cache(maxsize=64)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark modules for `url` (error correction M), once per campaign page per process."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


def _draw_qr(canvas: Canvas, copy: KitCopy, regular: str) -> None:
    """The QR code to the campaign page (also a link, for those reading the PDF on screen)."""
    modules = qr_modules(copy.campaign_url)
    count = len(modules) + 8  # a quiet zone of four modules on each side
    size = QR_SIZE / count
    x, y = PAGE_WIDTH - MARGIN - QR_SIZE, MARGIN + 36
    path = canvas.beginPath()
    for row, line in enumerate(modules):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            run = column
            while run < len(line) and line[run]:
                run += 1
            top = y + QR_SIZE - (row + 4) * size
            path.rect(x + (column + 4) * size, top - size, (run - column) * size, size)
            column = run
    canvas.setFillColor(HexColor("#000000"))
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.linkURL(copy.campaign_url, (x, y, x + QR_SIZE, y + QR_SIZE), relative=0)
    caption = ParagraphStyle("caption", fontName=regular, fontSize=8, leading=10, textColor=MUTED, alignment=1)
    _ = kit_words(copy.locale)
    paragraph = _paragraph(_("Scan to open the campaign page"), caption)
    _width, height = paragraph.wrap(QR_SIZE, 40)
    paragraph.drawOn(canvas, x, y - 4 - height)
