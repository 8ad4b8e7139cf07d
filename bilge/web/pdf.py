"""PDF documents from Django templates, through WeasyPrint.

Every PDF of Bilge (reports, custody forms, registers) extends ``web/pdf_base.html``: the
institution's header, the title, "generated at … by …" and page numbers. The fonts come from
``bilge/web/fonts`` (DejaVu Sans, regular and bold) by file URL under a family name no system
font has, so a PDF looks the same on every machine and Turkish letters (ç ğ ı İ ö ş ü) are always
there; ``<html lang="tr">`` makes CSS upper-casing Turkish-correct (i → İ, ı → I).

Rendering never reaches the network nor reads local files other than those fonts: the URL fetcher
allows only ``data:`` URLs and the files of the font folder. Charts are inline SVG
(``bilge.web.charts``).

    from bilge.web.pdf import pdf_response
    return pdf_response(request, "myapp/report_pdf.html", {"title": ..., ...}, "report.pdf")
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Bilge DejaVu Sans"  # our own name: never matched by a system font
FONTS = (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold"))


def font_face_css() -> str:
    """The @font-face rules of the vendored fonts (file URLs, the folder of this module)."""
    rules = []
    for filename, weight in FONTS:
        url = (FONT_DIR / filename).as_uri()
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}") format("truetype"); '
                     f"font-weight: {weight}; font-style: normal; }}")
    return "\n".join(rules)


def _fetcher():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """``data:`` URLs and the vendored fonts; nothing else (no network, no other files)."""

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlparse(url).path)).resolve()
                if path.parent == FONT_DIR and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"Bilge PDFs load no external resource: {url[:80]}")

    return LocalOnlyFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def pdf_context(request, title: str, **extra) -> dict:
    """The context every PDF template gets: title, who and when, the institution's name, fonts."""
    from bilge.core.permissions import person_of

    user = getattr(request, "user", None)
    person = person_of(user) if user is not None else None
    institution = extra.pop("institution", None) or (person.institution if person is not None else None)
    generated_by = ""
    if user is not None and getattr(user, "is_authenticated", False):
        generated_by = (person.full_name if person is not None else "") or user.get_full_name() or user.get_username()
    return {
        "title": title,
        "institution": institution,
        "generated_at": timezone.localtime(),
        "generated_by": generated_by,
        "font_face_css": font_face_css(),
        "font_family": FONT_FAMILY,
        **extra,
    }


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    document = HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=_fetcher())
    return document.write_pdf(font_config=font_config)


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    """Render ``template_name`` (which extends ``web/pdf_base.html``) to PDF bytes."""
    context = dict(context)
    context.setdefault("font_face_css", font_face_css())
    context.setdefault("font_family", FONT_FAMILY)
    return html_to_pdf(render_to_string(template_name, context, request=request))


def pdf_response(request, template_name: str, context: dict, filename: str) -> HttpResponse:
    """The PDF as a download; ``context`` is completed by :func:`pdf_context` if it lacks it."""
    if "generated_at" not in context:
        context = pdf_context(request, context.get("title", ""),
                              **{k: v for k, v in context.items() if k != "title"})
    response = HttpResponse(render_pdf(template_name, context, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
