"""RAG is never shown by colour alone, and its colours pass WCAG 2.2 AA contrast."""

import pytest

from harrow_kpi import rag, ui


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("band", [*rag.BANDS, None])
def test_every_badge_text_passes_aa_contrast(band):
    background, text, _ = ui.RAG_STYLE[band]
    assert contrast(background, text) >= 4.5


def test_badges_do_not_rely_on_colour_alone():
    symbols = {ui.RAG_STYLE[band][2] for band in rag.BANDS}
    assert len(symbols) == len(rag.BANDS)
    for band in rag.BANDS:
        badge = ui.rag_badge_html(band, 3)
        assert band in badge and rag.LABELS[band] in badge and "<strong>3</strong>" in badge


def test_rag_and_direction_in_words():
    assert ui.rag_text("HR") == "✖✖ HR High Red"
    assert ui.rag_text(None) == "" and ui.rag_text(float("nan")) == ""
    assert ui.direction_text("improving") == "▲ improving"
    assert ui.direction_text(float("nan")) == "– no comparison"
    assert ui.rag_with_check("A", "LR") == "! A Amber ⚠ rule: LR"
    assert ui.rag_with_check("LG", "LG") == "✔ LG Low Green"
    assert ui.latest_rag_text("HG", "2018/19 Q4") == "✔✔ HG High Green (2018/19 Q4)"


def test_figures_as_printed_else_formatted():
    assert ui.figure_text("56.2%", 56.2) == "56.2%"
    assert ui.figure_text(None, 56.2, "percent") == "56.2%"
    assert ui.figure_text(None, 181242.0, "count") == "181,242"
    assert ui.figure_text(None, None) == ""


def test_quarter_labels_name_their_months():
    assert ui.quarter_label("2019/20 Q2") == "2019/20 Q2 (July–September 2019)"
    assert ui.quarter_label("2019/20 Q4") == "2019/20 Q4 (January–March 2020)"


def test_status_notes_are_explained():
    assert ui.status_text("BL") == "BL (baseline: no target yet)"
    assert ui.status_text("Reports Q4 Only") == "Reports Q4 Only"


def test_badge_text_is_escaped():
    assert "<script>" not in ui.rag_badge_html("<script>")


@pytest.mark.parametrize("text,shown", [
    ("![x](https://evil.example/x.png)", "\\!\\[x\\]\\(https\\:\u2060//evil\\.example/x\\.png\\)"),
    ("[click](https://evil.example)", "\\[click\\]\\(https\\:\u2060//evil\\.example\\)"),
    ("<img src=x>", "\\<img src\\=x\\>"),
    ("see https://x and www.x", "see https\\:\u2060//x and www\u2060\\.x"),  # a word joiner: no autolink
    ("mail a@b.c", "mail a\\@\u2060b\\.c"),
    ("Title\n===", "Title\n\\=\\=\\="),
    ("&lt;b&gt;", "\\&lt;b\\&gt;"),
    (":red[alarm]", "\\:red\\[alarm\\]"),
])
def test_plain_escapes_links_images_tags_autolinks_and_headings(text, shown):
    assert ui.plain(text) == shown


@pytest.mark.parametrize("text,shown", [
    ("![x](https://evil.example/x.png)", "!\\[x\\](https\\:\u2060//evil.example/x.png)"),
    ("<b>www.x</b> a@b.c", "\\<b\\>www\u2060\\.x\\</b\\> a\\@\u2060b.c"),
    ("_em_ and 001_efe.txt line 162", "\\_em\\_ and 001_efe.txt line 162"),
    ("Staff sickness absence - average days (FTE)", "Staff sickness absence - average days (FTE)"),
    (5.0, 5.0),
])
def test_a_table_cell_escapes_only_what_could_form_markdown(text, shown):
    assert ui.cell(text) == shown


def test_ward_map_bins_read_without_shared_edges():
    from harrow_kpi.ui.wards import bin_labels

    # Counts 0..10 in five equal bins: upper edges 2, 4, 6, 8, 10; a value goes to the first bin
    # whose edge it does not pass, so 2 is in the first bin and 3 in the second.
    assert bin_labels([0, 3, 10], [2.0, 4.0, 6.0, 8.0, 10.0]) == ["0–2", "3–4", "5–6", "7–8", "9–10"]
    # Counts 0..3: edges 0.6, 1.2, 1.8, 2.4, 3; the bins holding no whole number are blank.
    assert bin_labels([0, 3], [0.6, 1.2, 1.8, 2.4, 3.0]) == ["0", "1", "", "2", "3"]
    # Measures with decimals: the lower edge is "over".
    assert bin_labels([0.5, 3.0], [1.0, 1.5, 2.0, 2.5, 3.0]) == ["0.5–1", "over 1–1.5", "over 1.5–2",
                                                                  "over 2–2.5", "over 2.5–3"]
    assert bin_labels([4.0, 4.0], [4.0]) == ["4"]
    assert bin_labels([], []) == []


def test_ward_names_break_onto_two_lines_near_their_middle():
    from harrow_kpi.ui.wards import two_lines

    assert two_lines("Headstone North") == "Headstone\nNorth"
    assert two_lines("Harrow on the Hill") == "Harrow on\nthe Hill"
    assert two_lines("Wealdstone") == "Wealdstone"
    assert two_lines("Pinner") == "Pinner"


def test_my_ward_summary_sentence():
    from harrow_kpi.ui.wards import ward_summary

    assert ward_summary("Wealdstone", 7, 12, ["achieved", "missed", "missed", None, "not comparable"],
                        ["● GREEN", "● GREEN", "◆ AMBER"]) == (
        "7 places in Wealdstone named in the plans, with 12 commitments tied to them; 1 achieved, 2 missed by "
        "the later figures; 3 2019/20 actions: 2 ● GREEN, 1 ◆ AMBER.")
    assert ward_summary("Belmont", 1, 1, [None], []) == (
        "1 place in Belmont named in the plans, with 1 commitment tied to them.")
    assert ward_summary("Pinner South", 0, 0, [], []) == "The documents name no site in Pinner South."


def test_rag_cells_become_chips_and_other_text_stays_text():
    from harrow_kpi import ui

    assert ui.chip("✖✖ HR High Red") == ":red-badge[✖✖ HR High Red]"
    assert ui.chip("✔ LG Low Green ⚠ rule: A") == ":green-badge[✔ LG Low Green] ⚠ rule: A"
    assert ui.chip("! A Amber (2018/19 Q4)") == ":orange-badge[! A Amber] (2018/19 Q4)"
    assert ui.chip("none printed (rule: HG)") == "none printed (rule: HG)"
    assert ui.chip("[evil](x) HR") == "\\[evil\\](x) HR"  # data text is escaped, never a chip
    assert ui.chip(None) is None


def test_figure_columns_are_right_aligned_over_st_tables_inline_left():
    # Each table sits in a container keyed by its figure columns' positions; one app-wide rule per position.
    assert ('[class*="st-key-table-"][class*="-r2-"] :is(td, th):nth-child(2) {text-align: right !important;}'
            in ui.FIGURE_STYLE.splitlines())
    assert len(ui.FIGURE_STYLE.splitlines()) == ui.MOST_COLUMNS


def _two_tables():
    import pandas as pd

    from harrow_kpi import ui

    ui.focus_outline()
    frame = pd.DataFrame({"Measure": ["Book issues"], "Target": ["300,000"], "Actual": ["219,200"]})
    ui.table(frame, hide_index=True)
    ui.table(frame[["Measure"]])
    ui.table(frame)
    ui.table(frame, key="headline-0", hide_index=True)


def test_a_table_s_key_names_its_figure_columns_counting_the_index_when_shown():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_two_tables).run()
    assert not at.exception and len(at.table) == 4

    def keys():
        return [block.proto.id.rsplit("-table-", 1)[1] if block.type == "flex_container" else block.type
                for block in at.main.children.values()]

    # Target and Actual are the 2nd and 3rd cells without the index, the 3rd and 4th after it; a
    # table with no figures needs no container; a key given is used in place of the count.
    assert keys() == ["1-r2-r3-", "table", "2-r3-r4-", "headline-0-r2-r3-"]
    at.run()
    assert keys() == ["1-r2-r3-", "table", "2-r3-r4-", "headline-0-r2-r3-"]  # counted afresh each run
