"""Ward map: what the plans say about each of Harrow's 21 wards (May 2002 to May 2022).

Drawn with pydeck and no base map, so it works with no network: the wards are
hexagon tiles of our own layout, or the official boundaries once an officer has
imported them. Top to bottom: the chosen metric on the map with its legend, then
"my ward" (``?ward=E05...``) with its places, commitments, actions and figures.
"""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st

from harrow_kpi import geography, ui
from harrow_kpi.figures import format_number
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
                        format_func=lambda code: names[code] if code else "Choose a ward (or click it on the map)")
    url.keep("ward", ward)

    places = geography.places_frame(data["places"], data["actions"], centres)
    _map(shapes, wards, values, label, places, ward, centres)
    _legend(values, label, period, official, data["boundaries"])
    if ward:
        _my_ward(data, ward, names[ward])


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


def _map(shapes, wards, values, label, places, ward, centres) -> None:
    edges = geography.bins(list(values.values()))
    fields = {
        code: {"value_text": format_number(values.get(code)) or "no figure",
               "fill": geography.colour_for(values.get(code), edges) + [230],
               "line_width": 60 if code == ward else 15,
               "line": [177, 14, 30] if code == ward else [11, 12, 12],
               "metric": label, "kind_text": "Ward"}
        for code in shapes
    }
    frame = geography.ward_shapes_frame(shapes, wards, fields)
    names = pd.DataFrame([{"ward_code": code, "ward_name": name, "lon": centres[code][0], "lat": centres[code][1]}
                          for code, name in zip(wards["ward_code"], wards["name"]) if code in centres])
    layers = [
        pdk.Layer("PolygonLayer", frame, id="wards", get_polygon="polygon", get_fill_color="fill",
                  get_line_color="line", get_line_width="line_width", line_width_min_pixels=1, pickable=True,
                  auto_highlight=True, stroked=True, filled=True),
        pdk.Layer("TextLayer", names, id="ward-names", get_position=["lon", "lat"], get_text="ward_name",
                  get_size=12, get_color=[11, 12, 12], get_pixel_offset=[0, -14], background=True,
                  get_background_color=[255, 255, 255, 200]),
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
        )
        letters = styled[styled["status"].notna()][["lon", "lat", "letter"]]
        layers += [
            pdk.Layer("ScatterplotLayer", styled, id="places", get_position=["lon", "lat"], get_fill_color="colour",
                      get_line_color=[11, 12, 12], line_width_min_pixels=1, stroked=True, get_radius=180,
                      radius_min_pixels=7, pickable=True),
            pdk.Layer("TextLayer", letters, id="letters", get_position=["lon", "lat"],
                      get_text="letter", get_size=13, get_color=[11, 12, 12], get_pixel_offset=[11, 0],
                      background=True, get_background_color=[255, 255, 255, 230]),
        ]
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=51.587, longitude=-0.335, zoom=10.9),
        # No base map and no tiles. Leave map_style unset: pydeck then sends its default-style
        # marker, which Streamlit drops; an explicit map_style=None makes Streamlit add its
        # Carto base map, fetched from the network.
        map_provider=None,
        tooltip={"text": "{kind_text}: {ward_name}{name}\n{metric}: {value_text}"},
    )
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="ward_map", height=560)


def _legend(values, label, period, official, boundaries) -> None:
    edges = geography.bins(list(values.values()))
    low = min(values.values()) if values else 0
    parts, start = [], low
    for index, edge in enumerate(edges):
        red, green, blue = geography.RAMP[min(index, len(geography.RAMP) - 1)]
        colour = f"#{red:02X}{green:02X}{blue:02X}"
        span = (f"{format_number(start)}–{format_number(edge)}" if len(edges) > 1
                else format_number(edge))
        parts.append(f'<span style="display:inline-block;width:1em;height:1em;background:{colour};'
                     f'border:1px solid #0B0C0C;vertical-align:middle"></span> {span}')
        start = edge
    period_text = f", {period}" if period else ""
    st.markdown(f"**{ui.plain(label + period_text)}** &nbsp; " + " &nbsp; ".join(parts), unsafe_allow_html=True)
    st.markdown("Places: " + " &nbsp; ".join(
        f"**{letter}** {ui.action_status_text(status)}" for status, (_, letter, _) in ui.ACTION_STYLE.items()))
    if official:
        first = boundaries.iloc[0]
        st.caption(f"Official ward boundaries imported from {ui.plain(first['filename'])} on "
                   f"{ui.plain(first['imported_at'][:10])}. {OGL}")
    else:
        st.caption("Schematic map: one hexagon per ward, each roughly where the ward lies and next to its "
                   "neighbours. Officers can load the official ONS boundaries with "
                   "`python -m harrow_kpi import-boundaries FILE.geojson`.")


def _my_ward(data: dict, ward: str, name: str) -> None:
    st.header(ui.plain(name))
    counts = data["counts"].set_index("ward_code").loc[ward]
    a, b, c = st.columns(3)
    a.metric("Places named in the plans", int(counts["places"]))
    b.metric("Commitments tied to them", int(counts["commitments"]))
    c.metric("2019/20 actions tied to them", int(counts["actions"]))
    places = data["places"][data["places"]["ward_code"] == ward]
    if places.empty:
        st.info(f"The documents name no site in {ui.plain(name)}.")
    actions = data["actions"].set_index("action_id")
    commitments = data["commitments"].set_index("commitment_id")
    for place in places.to_dict("records"):
        st.subheader(ui.plain(place["name"]))
        confidence = {"printed": "ward named in the document", "likely": "ward from the site's location",
                      "unsure": "ward uncertain"}.get(place["ward_confidence"], "")
        st.caption(ui.plain(f"{place['kind'].capitalize()} · {confidence} · {place['source']}"))
        rows = []
        for action_id in geography.split_ids(place["action_ids"]):
            if action_id in actions.index:
                action = actions.loc[action_id]
                rows.append({"What": "2019/20 action", "Text": _text(action["action"]) or _text(action["objective"]),
                             "Status": ui.action_status_text(action["rag_status"]),
                             "Update or target": _text(action["update_summary"]), "Source": action["source"]})
        for commitment_id in geography.split_ids(place["commitment_ids"]):
            if commitment_id in commitments.index:
                commitment = commitments.loc[commitment_id]
                rows.append({"What": f"Commitment, {commitment['plan_title']}", "Text": commitment["text"],
                             "Status": "", "Update or target": _text(commitment["target_as_printed"]),
                             "Source": commitment["source"]})
        if rows:
            ui.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    figures = data["ward_observations"][data["ward_observations"]["ward_code"] == ward]
    if len(figures):
        st.subheader("Ward-level figures")
        ui.table(pd.DataFrame({"Measure": figures["indicator_name"], "Period": figures["period"],
                               "Target": figures["target"].map(format_number),
                               "Actual": figures["actual"].map(format_number),
                               "RAG": figures["rag_reported"].map(ui.rag_text), "Source": figures["source"]}),
                 hide_index=True, border="horizontal")


def _text(value) -> str:
    return value if isinstance(value, str) else ""
