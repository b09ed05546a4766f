"""QR labels 二维码: an A4 sheet PDF of 3 × 8 labels (QR code, serial, model, customer, company)
rendered from an HTML template by WeasyPrint. The code holds SITE_URL + /d/<qr_token>/, a short
public path that opens the device page for staff (and, later, the customer portal)."""

import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

COLUMNS, ROWS = 3, 8
PER_PAGE = COLUMNS * ROWS
MAX_LABELS = 1000  # one PDF; beyond this the user narrows the selection


def device_url(device):
    return settings.SITE_URL.rstrip("/") + reverse("device_qr", args=[device.qr_token])


def qr_data_uri(text):
    """The QR code of `text` as an SVG data URI (vector: sharp at any printer resolution)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=1,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def company_name():
    return getattr(settings, "COMPANY_NAME", "") or "修好 Xiuhao"


def labels_pdf(devices) -> bytes:
    """The label sheet of `devices` (with product_model and customer loaded) as PDF bytes."""
    from weasyprint import HTML

    labels = [{"device": d, "qr": qr_data_uri(device_url(d))} for d in devices]
    pages = []
    for start in range(0, len(labels), PER_PAGE):
        chunk = labels[start:start + PER_PAGE]
        chunk += [None] * (-len(chunk) % COLUMNS)  # empty cells keep the last row on the grid
        pages.append([chunk[i:i + COLUMNS] for i in range(0, len(chunk), COLUMNS)])
    html = render_to_string("assets/labels.html", {"pages": pages, "company": company_name()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
