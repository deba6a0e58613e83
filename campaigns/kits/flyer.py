"""The kit's one-page flyer (PDF, A4): a real page, laid out before it is drawn.

From the top: the partner's header (logo on a white panel, or their name as a wordmark), the
campaign picture cropped around its focal point, the headline, the medium copy, up to five key
points, the call to action with a QR code to the campaign page, and the partner's contact block
with the person to ask for. `flyer_layout` picks the largest type (and then the largest picture)
with which the story fits its space; it never shrinks below MIN_SIZE, and the kit's text limits
(`campaigns.kits.inputs`) keep the longest allowed texts of every language above it.

Drawn with reportlab (BSD). Text goes through reportlab's paragraph mini-markup, so every text
is XML-escaped before it is placed: a tagline like `<b onload=...>` prints as typed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask_babel import lazy_gettext as _l
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
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, Spacer

from campaigns.kits import fonts, markdown_bridge
from campaigns.kits.errors import KitInputError
from campaigns.kits.images import Badge, Picture, fit_within, jpeg_bytes
from campaigns.kits.inputs import BrandKit, KitCopy, VendorInfo
from campaigns.kits.layout import Box
from campaigns.kits.words import kit_words
from content.brand import WHITE, best_text_colour, nearest_accessible_shade

PAGE_WIDTH, PAGE_HEIGHT = A4
PAGE = Box(0, 0, PAGE_WIDTH, PAGE_HEIGHT)
MARGIN = 38.0
HEADER = 88.0
ACCENT = 5.0
CTA_HEIGHT = 104.0
CONTACT_HEIGHT = 96.0
QR_SIZE = 76.0
PICTURE_HEIGHTS = (240.0, 210.0, 180.0, 150.0, 124.0, 110.0)  # points, largest first
MAX_SIZE, MIN_SIZE = 15.0, 8.0  # the body type, in points; the headline is 1.8 times it (at most 28)
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


def _paragraph(text: str, style: ParagraphStyle, bullet: str | None = None) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style, bulletText=bullet)


@dataclass(frozen=True)
class FlyerLayout:
    """Every region of the page (points, from the top-left) and the type size that fits."""

    header: Box
    picture: Box | None
    story: Box  # the space for the headline, copy and key points
    story_height: float  # how much of it they take at `size`
    cta: Box
    contact: Box
    size: float

    def regions(self) -> list[Box]:
        return [box for box in (self.header, self.picture, self.story, self.cta, self.contact) if box is not None]


def _frames() -> tuple[Box, Box, Box]:
    """The fixed regions: header, call to action, contact block."""
    header = Box(0, 0, PAGE_WIDTH, HEADER + ACCENT)
    contact = Box(MARGIN, PAGE_HEIGHT - MARGIN - CONTACT_HEIGHT, PAGE_WIDTH - 2 * MARGIN, CONTACT_HEIGHT)
    cta = Box(MARGIN, contact.y - 12 - CTA_HEIGHT, contact.width, CTA_HEIGHT)
    return header, cta, contact


def _bullet_glyph() -> str:
    return "✓" if flyer_fonts()[0] == "KitSans" else "•"  # Helvetica's encoding has no check mark


def story_flowables(copy: KitCopy, size: float) -> list[Flowable]:
    """The headline, the medium copy (its paragraphs and lists) and the key points at body size `size`."""
    regular, bold = flyer_fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=min(28.0, size * 1.8), leading=min(28.0, size * 1.8) * 1.18,
                           textColor=INK)  # fmt: skip
    body = ParagraphStyle("body", fontName=regular, fontSize=size, leading=size * 1.38, textColor=INK)
    item = ParagraphStyle("item", parent=body, leftIndent=size * 1.3, bulletIndent=0, bulletFontName=bold,
                          bulletFontSize=size)  # fmt: skip
    story: list[Flowable] = [_paragraph(copy.flyer_title, title), Spacer(1, size * 0.8)]
    for block in markdown_bridge.to_text(copy.medium_copy).split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        listed = [line for line in lines if line.startswith("- ")]
        if len(listed) == len(lines):
            story += [_paragraph(line[2:], item, "•") for line in lines]
        else:
            story.append(_paragraph("\n".join(lines), body))
        story.append(Spacer(1, size * 0.55))
    if copy.bullets:
        key = ParagraphStyle("key", parent=item, fontName=bold, bulletFontName=bold)
        story += [_paragraph(point, key, _bullet_glyph()) for point in copy.bullets]
    return story


def _height(flowables: list[Flowable], width: float) -> float:
    return sum(flowable.wrap(width, PAGE_HEIGHT * 4)[1] for flowable in flowables)


def flyer_layout(copy: KitCopy, *, has_picture: bool) -> FlyerLayout:
    """The largest body type (then the largest picture) with which the story fits its space.

    Raises KitInputError naming the medium copy when even the smallest type and picture cannot
    hold it: only texts past the kit's limits, or of unusually wide letters, get there.
    """
    header, cta, contact = _frames()
    top, bottom = header.bottom + 22, cta.y - 16
    width = PAGE_WIDTH - 2 * MARGIN
    heights = PICTURE_HEIGHTS if has_picture else (0.0,)
    size = MAX_SIZE
    while size >= MIN_SIZE:
        needed = _height(story_flowables(copy, size), width)
        for picture_height in heights:
            story_top = top + (picture_height + 16 if picture_height else 0)
            if needed <= bottom - story_top:
                picture = Box(MARGIN, top, width, picture_height) if picture_height else None
                story = Box(MARGIN, story_top, width, bottom - story_top)
                return FlyerLayout(header, picture, story, needed, cta, contact, size)
        size -= 0.5
    raise KitInputError(
        "medium_copy",
        _l("together with the flyer title and key points it is too long for the one-page flyer; shorten it."),
    )


def render_flyer(
    copy: KitCopy,
    brand: BrandKit,
    vendor: VendorInfo,
    logo: Image.Image | None,
    picture: Picture | None,
    vendor_logo: Image.Image | None = None,
    *,
    badge: Badge | None = None,
) -> bytes:
    """A4, one page; `picture` is the one the kit pieces name for the flyer (None: none); a tier
    `badge` and its line sit at the right of the header."""
    layout = flyer_layout(copy, has_picture=picture is not None)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1, lang=copy.locale)
    canvas.setTitle(copy.flyer_title)
    canvas.setAuthor(brand.partner_name)
    canvas.setSubject(copy.campaign_name)
    _draw_header(canvas, brand, logo)
    if badge is not None:
        _draw_badge(canvas, badge)
    if picture is not None and layout.picture is not None:
        _draw_picture(canvas, picture, layout.picture)
    _draw_story(canvas, copy, layout)
    _draw_cta(canvas, copy, brand, layout.cta)
    _draw_contact(canvas, copy, brand, layout.contact)
    _draw_vendor_line(canvas, copy, vendor, vendor_logo)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _y(box: Box) -> float:
    """reportlab counts from the page's bottom: the bottom edge of `box` there."""
    return PAGE_HEIGHT - box.bottom


def _draw_picture(canvas: Canvas, picture: Picture, box: Box) -> None:
    pixels = (round(box.width * 2.5), round(box.height * 2.5))  # about 180 dpi on paper
    data = jpeg_bytes(picture.crop(pixels), quality=85)
    canvas.drawImage(ImageReader(io.BytesIO(data)), box.x, _y(box), box.width, box.height)


def _draw_header(canvas: Canvas, brand: BrandKit, logo: Image.Image | None) -> None:
    _regular, bold = flyer_fonts()
    canvas.setFillColor(HexColor(brand.primary_colour))
    canvas.rect(0, PAGE_HEIGHT - HEADER, PAGE_WIDTH, HEADER, stroke=0, fill=1)
    canvas.setFillColor(HexColor(brand.accent_colour))
    canvas.rect(0, PAGE_HEIGHT - HEADER - ACCENT, PAGE_WIDTH, ACCENT, stroke=0, fill=1)
    if logo is None:  # the partner's name as a wordmark, black or white as reads best on their colour
        style = ParagraphStyle("wordmark", fontName=bold, fontSize=24, leading=28,
                               textColor=HexColor(best_text_colour(brand.primary_colour)))  # fmt: skip
        name: list[Flowable] = [_paragraph(brand.partner_name, style)]
        frame = KeepInFrame(PAGE_WIDTH - 2 * MARGIN, HEADER - 24, name, mode="shrink")
        _width, height = frame.wrapOn(canvas, PAGE_WIDTH - 2 * MARGIN, HEADER - 24)
        frame.drawOn(canvas, MARGIN, PAGE_HEIGHT - HEADER / 2 - height / 2)
        return
    fitted = fit_within(logo, (440, 160))
    scale = min(220 / fitted.width, 48 / fitted.height)
    width, height = fitted.width * scale, fitted.height * scale
    panel_y = PAGE_HEIGHT - HEADER / 2 - height / 2 - 10
    canvas.setFillColor(HexColor(WHITE))
    canvas.roundRect(MARGIN - 10, panel_y, width + 20, height + 20, 6, stroke=0, fill=1)
    canvas.drawImage(ImageReader(fitted), MARGIN, panel_y + 10, width, height, mask="auto")


BADGE_HEIGHT = 56.0  # points: the badge in the header
BADGE_LINE_WIDTH = 130.0


def _draw_badge(canvas: Canvas, badge: Badge) -> None:
    """The badge and its line on a white panel at the header's right (the logo keeps the left)."""
    _regular, bold = flyer_fonts()
    fitted = fit_within(badge.image, (400, 400))
    width = fitted.width * BADGE_HEIGHT / fitted.height
    if width > 2 * BADGE_HEIGHT:  # a very wide badge: as wide as two heights, less high
        width = 2 * BADGE_HEIGHT
    height = fitted.height * width / fitted.width
    style = ParagraphStyle("badge", fontName=bold, fontSize=9.5, leading=12, textColor=INK)
    frame = KeepInFrame(BADGE_LINE_WIDTH, BADGE_HEIGHT, [_paragraph(badge.line, style)], mode="shrink")
    line_width, line_height = frame.wrapOn(canvas, BADGE_LINE_WIDTH, BADGE_HEIGHT)
    panel_width = 10 + width + 8 + min(BADGE_LINE_WIDTH, line_width) + 10
    panel_x = PAGE_WIDTH - MARGIN - panel_width + 10
    panel_y = PAGE_HEIGHT - HEADER / 2 - BADGE_HEIGHT / 2 - 6
    canvas.setFillColor(HexColor(WHITE))
    canvas.roundRect(panel_x, panel_y, panel_width, BADGE_HEIGHT + 12, 6, stroke=0, fill=1)
    image_y = panel_y + 6 + (BADGE_HEIGHT - height) / 2
    canvas.drawImage(ImageReader(fitted), panel_x + 10, image_y, width, height, mask="auto")
    frame.drawOn(canvas, panel_x + 10 + width + 8, panel_y + 6 + (BADGE_HEIGHT - line_height) / 2)


def _draw_story(canvas: Canvas, copy: KitCopy, layout: FlyerLayout) -> None:
    """Flowables placed one under the other from the story's top: exactly what the layout measured."""
    y = PAGE_HEIGHT - layout.story.y
    for flowable in story_flowables(copy, layout.size):
        _width, height = flowable.wrap(layout.story.width, PAGE_HEIGHT * 4)
        y -= height
        flowable.drawOn(canvas, layout.story.x, y)


def _draw_cta(canvas: Canvas, copy: KitCopy, brand: BrandKit, box: Box) -> None:
    """The call to action: its label, the flyer's sentence, the address, and the QR code at the right."""
    regular, bold = flyer_fonts()
    _ = kit_words(copy.locale)
    canvas.setFillColor(HexColor("#f4f6f9"))
    canvas.rect(box.x, _y(box), box.width, box.height, stroke=0, fill=1)
    canvas.setFillColor(HexColor(brand.accent_colour))
    canvas.rect(box.x, _y(box), 6, box.height, stroke=0, fill=1)
    link = nearest_accessible_shade(brand.primary_colour, text="#f4f6f9")
    label = ParagraphStyle("cta", fontName=bold, fontSize=15, leading=19, textColor=INK)
    text = ParagraphStyle("cta-text", fontName=regular, fontSize=10, leading=13.5, textColor=INK)
    address = ParagraphStyle("cta-url", fontName=bold, fontSize=9.5, leading=12.5, textColor=HexColor(link))
    shown = urlsplit(copy.cta_url)
    story: list[Flowable] = [_paragraph(copy.cta_label, label), Spacer(1, 3)]
    if copy.flyer_text:
        story += [_paragraph(markdown_bridge.to_text(copy.flyer_text).strip(), text), Spacer(1, 3)]
    story.append(_paragraph((shown.netloc + shown.path).rstrip("/")[:90], address))
    width, height = box.width - QR_SIZE - 48, box.height - 20
    frame = KeepInFrame(width, height, story, mode="shrink")
    _w, used = frame.wrapOn(canvas, width, height)
    frame.drawOn(canvas, box.x + 20, _y(box) + box.height - 10 - used)
    _draw_qr(canvas, copy, box)


def _draw_contact(canvas: Canvas, copy: KitCopy, brand: BrandKit, box: Box) -> None:
    """Who to ask (the named person, the partner) at the left, how to reach them at the right."""
    regular, bold = flyer_fonts()
    _ = kit_words(copy.locale)
    canvas.setFillColor(HexColor(brand.primary_colour))
    canvas.rect(box.x, _y(box) + box.height - 3, box.width, 3, stroke=0, fill=1)
    label = ParagraphStyle("label", fontName=bold, fontSize=9.5, leading=13, textColor=MUTED)
    name = ParagraphStyle("name", fontName=bold, fontSize=13, leading=17, textColor=INK)
    line = ParagraphStyle("line", fontName=regular, fontSize=10, leading=13.5, textColor=INK)
    who: list[Flowable] = [_paragraph(_("Questions? Get in touch"), label)]
    if brand.contact_name:
        who += [_paragraph(brand.contact_name, name), _paragraph(brand.partner_name, line)]
    else:
        who.append(_paragraph(brand.partner_name, name))
    if brand.tagline:
        who.append(_paragraph(brand.tagline, line))
    details = [(_("Phone"), brand.phone), (_("Email"), brand.email), (_("Website"), brand.website)]
    ways: list[Flowable] = [_paragraph(text, line) for text in brand.postal_address.splitlines() if text.strip()]
    ways += [_paragraph(f"{label_text}: {value}", line) for label_text, value in details if value]
    column = (box.width - 16) / 2
    for n, flowables in enumerate((who, ways)):
        if not flowables:
            continue
        frame = KeepInFrame(column, box.height - 12, flowables, mode="shrink")
        _w, used = frame.wrapOn(canvas, column, box.height - 12)
        frame.drawOn(canvas, box.x + n * (column + 16), _y(box) + box.height - 10 - used)


def _draw_vendor_line(canvas: Canvas, copy: KitCopy, vendor: VendorInfo, vendor_logo: Image.Image | None) -> None:
    """The vendor's locked line at the foot of the page, with its logo at the right when there is one."""
    regular, _bold = flyer_fonts()
    _ = kit_words(copy.locale)
    partnership = _("In partnership with %(vendor)s", vendor=vendor.name)
    canvas.setFont(regular, 8)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, MARGIN - 20, " · ".join([partnership, *vendor.postal_address.splitlines()])[:150])
    if vendor_logo is not None:
        fitted = fit_within(vendor_logo, (240, 48))
        height = 16.0
        width = fitted.width * height / fitted.height
        canvas.drawImage(ImageReader(fitted), PAGE_WIDTH - MARGIN - width, MARGIN - 24, width, height, mask="auto")


@lru_cache(maxsize=64)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's dark modules for `url` (error correction M), once per campaign page per process."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


def _draw_qr(canvas: Canvas, copy: KitCopy, box: Box) -> None:
    """The QR code to the campaign page (also a link, for those reading the PDF on screen), on white."""
    regular, _bold = flyer_fonts()
    modules = qr_modules(copy.campaign_url)
    count = len(modules) + 8  # a quiet zone of four modules on each side
    size = QR_SIZE / count
    x, y = box.right - QR_SIZE - 16, _y(box) + box.height - QR_SIZE - 6
    canvas.setFillColor(HexColor(WHITE))
    canvas.rect(x, y, QR_SIZE, QR_SIZE, stroke=0, fill=1)
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
    caption = ParagraphStyle("caption", fontName=regular, fontSize=7, leading=8.2, textColor=MUTED, alignment=1)
    _ = kit_words(copy.locale)
    room = y - _y(box) - 2  # below the code, inside the box
    frame = KeepInFrame(QR_SIZE + 24, room, [_paragraph(_("Scan to open the campaign page"), caption)], mode="shrink")
    _width, height = frame.wrapOn(canvas, QR_SIZE + 24, room)
    frame.drawOn(canvas, x - 12, y - 1 - height)
