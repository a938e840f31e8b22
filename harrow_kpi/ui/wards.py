"""Ward map: what the plans say about each of Harrow's 21 wards (May 2002 to May 2022).

Drawn with pydeck and no base map, so it works with no network: the wards are
hexagon tiles of our own layout, or the official boundaries once an officer has
imported them. Top to bottom: the chosen metric on the map with its legend, then
"my ward" (``?ward=E05...``) with its places, commitments, actions and figures.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import pydeck as pdk
import streamlit as st

from harrow_kpi import geography, ui
from harrow_kpi.figures import format_number, missing
from harrow_kpi.ui import url

OGL = "Contains National Statistics and Ordnance Survey data © Crown copyright and database right 2016."
COUNT_METRICS = {
    "places": "Places named in the plans",
    "commitments": "Commitments tied to places in the ward",
    "actions": "2019/20 actions tied to places in the ward",
    "actions_red": "Actions rated RED",
    "actions_amber": "Actions rated AMBER",
    "actions_green": "Actions rated GREEN",
}


def wards_page() -> None:
    path = ui.db_path()
    data = ui.ward_tables(path)
    wards = data["wards"]
    st.title("Wards")
    st.caption("Harrow's 21 wards as they stood from May 2002 to May 2022; since the May 2022 elections the "
               "borough has 22 wards, with new boundaries.")
    if wards.empty:
        st.info("The database has no wards yet: data/wards.csv is missing.")
        return
    names = dict(zip(wards["ward_code"], wards["name"]))
    official = not data["boundaries"].empty
    shapes = geography.official_shapes(data["boundaries"]) if official else geography.schematic_shapes(wards)
    centres = (
        dict(zip(wards["ward_code"], zip(wards["centroid_lon"], wards["centroid_lat"])))
        if official else {w.ward_code: geography.hex_centre(int(w.hex_q), int(w.hex_r)) for w in wards.itertuples()}
    )

    _take_map_click(names)
    metric, period, values, label = _metric(data)
    url.seed("ward", "ward", names)
    ward = st.selectbox("My ward", [None, *sorted(names, key=names.get)], key="ward",
                        format_func=lambda code: names[code] if code else "Choose a ward (or click it on the map)",
                        placeholder="Choose a ward (or click it on the map)")
    url.keep("ward", ward)

    places = geography.places_frame(data["places"], data["actions"], centres)
    _map(shapes, wards, values, label, places, ward, centres)
    _legend(values, label, period, official, data["boundaries"], places)
    if ward:
        _my_ward(path, data, ward, names[ward])


def _take_map_click(names: dict) -> None:
    """A click on a ward (or a place) on the map chooses that ward."""
    selection = st.session_state.get("ward_map")
    objects = (selection or {}).get("selection", {}).get("objects", {}) if isinstance(selection, dict) else {}
    for picked in objects.values():
        for item in picked or []:
            code = item.get("ward_code")
            if code in names and st.session_state.get("last_click") != code:
                st.session_state["ward"] = code
                st.session_state["last_click"] = code


def _metric(data: dict):
    observed = data["ward_observations"]
    measures = dict(zip(observed["indicator_id"], observed["indicator_name"]))
    options = [*COUNT_METRICS, *measures]
    metric = st.selectbox("Colour the wards by", options, key="ward_metric",
                          format_func=lambda m: COUNT_METRICS.get(m) or f"Measure: {measures[m]}")
    if metric in COUNT_METRICS:
        counts = data["counts"].set_index("ward_code")[metric]
        return metric, None, {code: float(v) for code, v in counts.items()}, COUNT_METRICS[metric]
    rows = observed[observed["indicator_id"] == metric]
    choices = list(dict.fromkeys(rows.sort_values("period_order", ascending=False)["period"]))
    period = st.selectbox("Period", choices, key="ward_period")
    rows = rows[rows["period"] == period]
    return metric, period, dict(zip(rows["ward_code"], rows["actual"])), measures[metric]


def two_lines(name: str) -> str:
    """A ward's name on at most two lines, broken at the space nearest its middle, so that
    neighbouring labels never run into each other."""
    if len(name) <= 10 or " " not in name:
        return name
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1:]


# pydeck reads a plain string as a JavaScript expression ("sans-serif" is sans minus serif, and the
# labels came out blank): a literal goes in quotes, which pydeck strips.
SANS_SERIF = '"sans-serif"'
# Text on a place's dot: white on the dark statuses, near-black on amber and the no-status white.
LETTER_COLOUR = {"AMBER": [11, 12, 12], None: [11, 12, 12]}


def _map(shapes, wards, values, label, places, ward, centres) -> None:
    edges = geography.bins(list(values.values()))
    fields = {
        code: {"value_text": format_number(values.get(code)) or "no figure",
               "fill": geography.colour_for(values.get(code), edges) + [230],
               "line_width": 90 if code == ward else 15,
               "line": [177, 14, 30] if code == ward else [11, 12, 12],
               "metric": label, "kind_text": "Ward"}
        for code in shapes
    }
    frame = geography.ward_shapes_frame(shapes, wards, fields)
    frame["label"] = frame["ward_name"]
    names = pd.DataFrame([{"ward_code": code, "ward_name": two_lines(name), "lon": centres[code][0],
                           "lat": centres[code][1]}
                          for code, name in zip(wards["ward_code"], wards["name"]) if code in centres])
    layers = [
        pdk.Layer("PolygonLayer", frame, id="wards", get_polygon="polygon", get_fill_color="fill",
                  get_line_color="line", get_line_width="line_width", line_width_min_pixels=1, pickable=True,
                  auto_highlight=True, stroked=True, filled=True),
    ]
    if len(places):
        styled = places.assign(
            colour=places["status"].map(lambda s: list(ui.ACTION_STYLE.get(s, ui.ACTION_STYLE[None])[2])),
            letter=places["status"].map(lambda s: ui.ACTION_STYLE.get(s, ui.ACTION_STYLE[None])[1]),
            status_text=places["status"].map(ui.action_status_text),
            ward_name=places["ward_code"].map(dict(zip(wards["ward_code"], wards["name"]))),
            kind_text=places["kind"].str.capitalize(),
            value_text=places["status"].map(ui.action_status_text),
            metric="Status of its 2019/20 actions",
            letter_colour=places["status"].map(lambda s: LETTER_COLOUR.get(s, [255, 255, 255])),
        )
        styled["label"] = styled["name"] + ", " + styled["ward_name"].fillna("")
        letters = styled[styled["status"].notna()][["lon", "lat", "letter", "letter_colour"]]
        layers += [
            pdk.Layer("ScatterplotLayer", styled, id="places", get_position=["lon", "lat"], get_fill_color="colour",
                      get_line_color=[11, 12, 12], line_width_min_pixels=1, stroked=True, get_radius=180,
                      radius_min_pixels=8, pickable=True),
            # The status letter inside its dot, so it never lands on a neighbour or a ward's name.
            pdk.Layer("TextLayer", letters, id="letters", get_position=["lon", "lat"], get_text="letter",
                      get_size=11, get_color="letter_colour", font_family=SANS_SERIF),
        ]
    # The names last, so that a crowded ward's dots never cover its name.
    layers.append(pdk.Layer("TextLayer", names, id="ward-names", get_position=["lon", "lat"], get_text="ward_name",
                            get_size=12, get_color=[11, 12, 12], get_pixel_offset=[0, -24], background=True,
                            font_family=SANS_SERIF, get_background_color=[255, 255, 255, 220]))
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=51.587, longitude=-0.335, zoom=10.9),
        # No base map and no tiles. Leave map_style unset: pydeck then sends its default-style
        # marker, which Streamlit drops; an explicit map_style=None makes Streamlit add its
        # Carto base map, fetched from the network.
        map_provider=None,
        tooltip={"text": "{kind_text}: {label}\n{metric}: {value_text}"},
    )
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="ward_map", height=560)


def bin_labels(values: list[float], edges: list[float]) -> list[str]:
    """Each colour's range as it is filled (a value goes to the first bin whose upper edge it does
    not pass), written so that no two ranges share an edge: whole numbers for counts (0–1, 2–3),
    "over" for the lower edge otherwise (0–2.5, over 2.5–5)."""
    numbers = [v for v in values if not missing(v)]
    if not numbers or not edges:
        return []
    low = min(numbers)
    if len(edges) == 1:
        return [format_number(edges[0])]
    whole = all(float(v).is_integer() for v in numbers)
    labels, start = [], low
    for index, edge in enumerate(edges):
        if whole:
            first = int(start) if index == 0 else math.floor(start + 1e-9) + 1
            last = math.floor(edge + 1e-9)
            labels.append("" if first > last else
                          format_number(first) if first == last else f"{format_number(first)}–{format_number(last)}")
        else:
            span = f"{format_number(round(start, 2))}–{format_number(round(edge, 2))}"
            labels.append(span if index == 0 else f"over {span}")
        start = edge
    return labels


def _legend(values, label, period, official, boundaries, places) -> None:
    edges = geography.bins(list(values.values()))
    parts = []
    for index, span in enumerate(bin_labels(list(values.values()), edges)):
        if not span:
            continue  # no whole number falls in this bin, so the map never draws its colour
        red, green, blue = geography.RAMP[min(index, len(geography.RAMP) - 1)] if len(edges) > 1 else \
            geography.RAMP[-1]
        parts.append(f'<span style="display:inline-block;width:1em;height:1em;background:#{red:02X}{green:02X}'
                     f'{blue:02X};border:1px solid #0B0C0C;vertical-align:middle"></span> {html.escape(span)}')
    if any(missing(v) for v in values.values()) or len(values) < len(geography.RAMP):
        parts.append('<span style="display:inline-block;width:1em;height:1em;background:#F3F2F1;'
                     'border:1px solid #0B0C0C;vertical-align:middle"></span> no figure')
    period_text = f", {period}" if period else ""
    st.markdown(f"**{ui.plain(label + period_text)}** &nbsp; " + " &nbsp; ".join(parts), unsafe_allow_html=True)
    drawn = set(places["status"].dropna()) if len(places) else set()
    shown = [(status, letter) for status, (_, letter, _) in ui.ACTION_STYLE.items() if status in drawn]
    if shown:
        st.markdown("Places, by the status of their 2019/20 actions: " + " &nbsp; ".join(
            f"**{letter}** {ui.action_status_text(status)}" for status, letter in shown)
            + " &nbsp; (a white dot: no action status)")
    if official:
        first = boundaries.iloc[0]
        st.caption(f"Official ward boundaries imported from {ui.plain(first['filename'])} on "
                   f"{ui.plain(first['imported_at'][:10])}. {OGL}")
    else:
        st.caption("Schematic map: one hexagon per ward, each roughly where the ward lies and next to its "
                   "neighbours. The official ward boundaries can be loaded by an officer on the upload page.")


def _my_ward(path, data: dict, ward: str, name: str) -> None:
    st.header(ui.plain(name))
    counts = data["counts"].set_index("ward_code").loc[ward]
    places = data["places"][data["places"]["ward_code"] == ward]
    ledger = ui.plan_tables(path)["ledger"]
    verdicts = dict(zip(ledger["commitment_id"], ledger["status"])) if len(ledger) else {}
    actions = data["actions"].set_index("action_id")
    commitments = data["commitments"].set_index("commitment_id")
    everywhere = data["places"]
    tied = {}
    for row in everywhere.to_dict("records"):
        for commitment_id in geography.split_ids(row["commitment_ids"]):
            tied.setdefault(commitment_id, set()).add(row["place_id"])
    here_ids = {c for ids in places["commitment_ids"] for c in geography.split_ids(ids) if c in commitments.index}
    shared = sorted(c for c in here_ids if len(tied.get(c, ())) > 1)
    statuses = [ui.action_status_text(actions.loc[a, "rag_status"]) for ids in places["action_ids"]
                for a in geography.split_ids(ids) if a in actions.index]
    st.markdown(ui.plain(ward_summary(name, len(places), len(here_ids), [verdicts.get(c) for c in here_ids],
                                      statuses)))
    a, b, c = st.columns(3)
    a.metric("Places named in the plans", int(counts["places"]))
    b.metric("Commitments tied to them", len(here_ids))
    c.metric("2019/20 actions tied to them", int(counts["actions"]))
    if places.empty:
        st.info(f"The documents name no site in {ui.plain(name)}.")
    plans = ui.plan_list(path)
    seeds = dict(zip(plans["seed"], plans["plan_id"]))
    for place in places.to_dict("records"):
        place["plan_id"] = seeds.get(place["seed"])
        st.subheader(ui.plain(place["name"]))
        confidence = {"printed": "ward named in the document", "likely": "ward from the site's location",
                      "unsure": "ward uncertain"}.get(place["ward_confidence"], "")
        st.caption(ui.plain(f"{place['kind'].capitalize()} · {confidence} · {ui.source_text(place)}"))
        rows = []
        for action_id in geography.split_ids(place["action_ids"]):
            if action_id in actions.index:
                action = actions.loc[action_id]
                rows.append({"What": "2019/20 action", "Text": _text(action["action"]) or _text(action["objective"]),
                             "Status": ui.action_status_text(action["rag_status"]),
                             "Update or target": _text(action["update_summary"]),
                             "Source": ui.source_text(action.to_dict())})
        for commitment_id in geography.split_ids(place["commitment_ids"]):
            if commitment_id in commitments.index and commitment_id not in shared:
                rows.append(_commitment_row(commitments.loc[commitment_id], verdicts.get(commitment_id)))
        if rows:
            ui.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    if shared:
        st.subheader("Commitments that cover several places")
        st.caption("Each shown once: these commitments name places here and elsewhere in the borough.")
        ui.table(pd.DataFrame([_commitment_row(commitments.loc[c], verdicts.get(c)) for c in shared]),
                 hide_index=True, border="horizontal")
    figures = data["ward_observations"][data["ward_observations"]["ward_code"] == ward]
    if len(figures):
        st.subheader("Ward-level figures")
        rows = figures.to_dict("records")
        ui.table(pd.DataFrame({"Measure": figures["indicator_name"], "Period": figures["period"],
                               "Target": [ui.figure_shown(None, r["target"]) for r in rows],
                               "Actual": [ui.figure_shown(None, r["actual"]) for r in rows],
                               "RAG": figures["rag_reported"].map(ui.rag_text),
                               "Source": [ui.source_text(r) for r in rows]}),
                 hide_index=True, border="horizontal")


PROMISE_WORDS = {"achieved": "✔ achieved", "missed": "✖ missed", "in progress": "► in progress",
                 "no later evidence": "– no later evidence", "not comparable": "≠ not comparable"}


def _commitment_row(commitment, verdict) -> dict:
    return {"What": f"Commitment, {ui.plan_name(commitment['plan_id'], commitment['plan_title'])}",
            "Text": commitment["text"], "Status": PROMISE_WORDS.get(verdict, "– no deadline to judge"),
            "Update or target": _text(commitment["target_as_printed"]),
            "Source": ui.source_text(commitment.to_dict())}


def ward_summary(name: str, places: int, commitments: int, verdicts: list, action_statuses: list[str]) -> str:
    """The ward in one sentence: what the plans tie to it, and how the promises and actions stand."""
    if not places:
        return f"The documents name no site in {name}."
    judged = [v for v in verdicts if v in ("achieved", "missed", "in progress")]
    parts = [f"{ui.plural(places, 'place')} in {name} named in the plans, with "
             f"{ui.plural(commitments, 'commitment')} tied to them"]
    if judged:
        counted = {v: judged.count(v) for v in ("achieved", "missed", "in progress") if judged.count(v)}
        parts.append(", ".join(f"{n} {v}" for v, n in counted.items()) + " by the later figures")
    if action_statuses:
        named = [s if not s.startswith("– ") else "with no status given" for s in action_statuses]
        counted = {s: named.count(s) for s in dict.fromkeys(named)}
        parts.append(f"{ui.plural(len(action_statuses), '2019/20 action')}: "
                     + ", ".join(f"{n} {s}" for s, n in counted.items()))
    return "; ".join(parts) + "."


def _text(value) -> str:
    return value if isinstance(value, str) else ""
