"""The Cabinet slides as a PowerPoint deck (python-pptx) that Cabinet can keep with its papers.

The same slides as the slide mode (``harrow_kpi.slides``), with the trends as native
PowerPoint line charts (editable, their figures held in the deck's own workbook), RAG as
a coloured cell or chip that also carries its code, the source and the date on every
slide, and speaker notes listing the measures behind each sentence.
"""

from __future__ import annotations

import datetime as dt
import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from harrow_kpi import display, rag, slides
from harrow_kpi.figures import missing

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor(0x0B, 0x0C, 0x0C)
MUTED = RGBColor(0x50, 0x5A, 0x5F)
BLUE = RGBColor(0x1D, 0x4F, 0x91)
MARKERS = {"HG": XL_MARKER_STYLE.STAR, "LG": XL_MARKER_STYLE.CIRCLE, "A": XL_MARKER_STYLE.DIAMOND,
           "LR": XL_MARKER_STYLE.TRIANGLE, "HR": XL_MARKER_STYLE.X, None: XL_MARKER_STYLE.CIRCLE}


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _text(slide, left, top, width, height, text, size=20, bold=False, colour=INK, align=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    lines = text if isinstance(text, list) else [text]
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size, paragraph.font.bold, paragraph.font.color.rgb = Pt(size), bold, colour
        if align:
            paragraph.alignment = align
        if isinstance(text, list):
            paragraph.space_after = Pt(8)
    return box


def chip_text(band, count=None) -> str:
    """A chip's words: count, symbol and code, so it reads without its colour."""
    symbol = display.RAG_STYLE.get(band, display.RAG_STYLE[None])[2]
    return f"{'' if count is None else f'{count} '}{symbol} {band or 'no RAG'}"


def _fill(cell_or_shape, band, muted=False) -> RGBColor:
    background, colour, _ = display.RAG_STYLE.get(band, display.RAG_STYLE[None])
    cell_or_shape.fill.solid()
    cell_or_shape.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF) if muted else _rgb(background)
    return MUTED if muted else _rgb(colour)


def _chips(slide, counts: dict, top) -> None:
    left = Inches(0.5)
    for band, count in counts.items():
        width = Inches(1.45 if band else 2.0)
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, Inches(0.45))
        colour = _fill(shape, band, muted=count == 0)
        shape.line.color.rgb = MUTED
        shape.name = f"RAG chip {band or 'none'}"
        frame = shape.text_frame
        frame.text = chip_text(band, count)
        frame.paragraphs[0].font.size, frame.paragraphs[0].font.bold = Pt(18), count != 0
        frame.paragraphs[0].font.color.rgb = colour
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        left += width + Inches(0.12)


def _table(slide, frame, rule, left, top, width, widths, size=16):
    rows, columns = len(frame) + 1, len(frame.columns)
    shape = slide.shapes.add_table(rows, columns, left, top, width, Inches(0.3) * rows)
    table = shape.table
    total = sum(widths)
    for index, share in enumerate(widths):
        table.columns[index].width = Emu(int(width * share / total))
    for column, name in enumerate(frame.columns):
        cell = table.cell(0, column)
        cell.text = name
        cell.text_frame.paragraphs[0].font.size, cell.text_frame.paragraphs[0].font.bold = Pt(size), True
    for row_index, row in enumerate(frame.itertuples(index=False), start=1):
        for column, (name, value) in enumerate(zip(frame.columns, row)):
            cell = table.cell(row_index, column)
            paragraph = cell.text_frame.paragraphs[0]
            if name == "RAG":
                band = value if isinstance(value, str) else None
                check = rule[row_index - 1] if row_index - 1 < len(rule) else None
                cell.text = chip_text(band) + (f" ⚠ rule: {check}" if check else "")
                paragraph = cell.text_frame.paragraphs[0]
                paragraph.font.color.rgb = _fill(cell, band)
                paragraph.font.bold = True
            else:
                cell.text = "" if value is None else str(value)
                paragraph = cell.text_frame.paragraphs[0]
                paragraph.font.color.rgb = INK
            paragraph.font.size = Pt(size)
    return shape


def _values(column) -> list:
    """A chart series: a number per period, None (a gap) where there is no figure."""
    return [None if missing(v) else float(v) for v in column]


def _chart(slide, trend: slides.Trend, left, top, width, height) -> None:
    data = CategoryChartData(number_format='0.0"%"' if trend.unit == "percent" else "#,##0.##")
    data.categories = list(trend.points["period"])
    data.add_series("Actual", _values(trend.points["actual"]))
    data.add_series("Target", _values(trend.points["target"]))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data)
    frame.name = f"Trend: {trend.name}"
    chart = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = f"{trend.name}. {trend.now}"
    chart.chart_title.text_frame.paragraphs[0].font.size = Pt(14)
    chart.has_legend, chart.legend.position, chart.legend.include_in_layout = True, XL_LEGEND_POSITION.BOTTOM, False
    chart.legend.font.size = Pt(14)
    chart.category_axis.tick_labels.font.size = Pt(14)
    chart.value_axis.tick_labels.font.size = Pt(14)
    actual, target = chart.plots[0].series
    actual.format.line.color.rgb, actual.smooth = INK, False
    target.format.line.color.rgb, target.smooth = BLUE, False
    target.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    target.marker.style = XL_MARKER_STYLE.DASH
    for index, band in enumerate(trend.points["band"]):
        if missing(trend.points["actual"].iloc[index]):
            continue
        point = actual.points[index]
        colour, _ = display.RAG_MARKER.get(band, display.RAG_MARKER[None])
        point.marker.style, point.marker.size = MARKERS[band], 10
        point.marker.format.fill.solid()
        point.marker.format.fill.fore_color.rgb = _rgb(colour)
        if band:
            label = point.data_label
            label.text_frame.text = band
            label.text_frame.paragraphs[0].font.size, label.text_frame.paragraphs[0].font.bold = Pt(14), True
            label.position = XL_LABEL_POSITION.ABOVE


def _footer(slide, source: str, made: dt.date, draft: str, number: int, total: int) -> None:
    words = f"{source}. Made {made:%-d %B %Y} by the Harrow KPI Explorer." if source else \
        f"Made {made:%-d %B %Y} by the Harrow KPI Explorer."
    if draft:
        words = f"{draft}: not yet published. " + words
    _text(slide, Inches(0.5), Inches(6.95), Inches(11.3), Inches(0.45), words, size=14, colour=MUTED)
    _text(slide, Inches(11.8), Inches(6.95), Inches(1.1), Inches(0.45), f"{number} of {total}", size=14,
          colour=MUTED, align=PP_ALIGN.RIGHT)


def build(deck: list[slides.Slide], draft: str = "", made: dt.date | None = None,
          shown: str = "no filters") -> bytes:
    """The deck as .pptx bytes: one PowerPoint slide per slide of ``deck``, in order.
    ``shown`` describes the filters the measures were chosen by."""
    made = made or dt.date.today()
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    presentation.core_properties.title = deck[0].title if deck else "Harrow performance"
    presentation.core_properties.author = "London Borough of Harrow: Harrow KPI Explorer"
    blank = presentation.slide_layouts[6]
    for number, item in enumerate(deck, start=1):
        slide = presentation.slides.add_slide(blank)
        _text(slide, Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.7), item.title, size=26, bold=True)
        lead = item.lead + ("" if shown == "no filters" or item.kind == "summary" else f" Measures shown: {shown}.")
        _text(slide, Inches(0.5), Inches(1.0), Inches(12.3), Inches(0.5), lead, size=18)
        if item.kind == "summary":
            _text(slide, Inches(0.5), Inches(1.6), Inches(6.6), Inches(5.2), [s.text for s in item.sentences], size=16)
            counts = item.counts.reset_index().rename(columns={"priority_name": "Priority"})
            counts.columns = ["Priority", *[chip_text(b if b != "none" else None) for b in item.counts.columns]]
            shape = _table(slide, counts.astype({c: str for c in counts.columns[1:]}), [], Inches(7.4), Inches(1.6),
                           Inches(5.4), [3.4, 1, 1, 1, 1, 1, 1.3], size=14)
            for column, band in enumerate([*rag.BANDS, None], start=1):
                cell = shape.table.cell(0, column)
                cell.text_frame.paragraphs[0].font.color.rgb = _fill(cell, band)
            for index, (label, count) in enumerate(item.numbers):
                last = index == len(item.numbers) - 1  # the longest label gets the room that is left
                box = _text(slide, Inches(7.4) + Inches(1.0) * index, Inches(5.45), Inches(1.5 if last else 0.98),
                            Inches(1.4), [str(count), label], size=14)
                box.name = f"Number: {label}"
                box.text_frame.margin_left = box.text_frame.margin_right = 0  # "worsened" fits whole at 14 pt
                box.text_frame.paragraphs[0].font.size, box.text_frame.paragraphs[0].font.bold = Pt(26), True
                box.text_frame.paragraphs[0].space_after = Pt(0)
        elif item.kind == "priority":
            _chips(slide, item.chips, Inches(1.5))
            if item.table is not None and len(item.table):
                _table(slide, item.table, item.rule, Inches(0.5), Inches(2.15), Inches(6.9),
                       [3.1, 1.25, 1.25, 1.3, 1.6], size=14)
            else:
                _text(slide, Inches(0.5), Inches(2.15), Inches(6.9), Inches(0.6), item.empty, size=18)
            for index, trend in enumerate(item.trends):
                _chart(slide, trend, Inches(7.6), Inches(2.1) + Inches(2.4) * index, Inches(5.3), Inches(2.35))
            if not item.trends:
                _text(slide, Inches(7.6), Inches(2.15), Inches(5.3), Inches(0.6),
                      "No measure can be compared with last quarter.", size=18)
        elif item.table is not None and len(item.table):
            _table(slide, item.table, item.rule, Inches(0.5), Inches(1.55), Inches(12.3), [3.6, 2, 1, 1.1, 4.6],
                   size=14)
        _footer(slide, item.source, made, draft, number, len(deck))
        slide.notes_slide.notes_text_frame.text = item.notes
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()
