"""The seed's mining-cost dictionary: the entity terms its Table 4 lists per type and the
Table 5 examples and the terms of its section 3.2.3 example (Table 5's jieba part of speech mapped to the type the text gives: vn Method /
Parameters / Index, nw Cost / Production, s Place / Geologic, nz Facility / Person / Materials /
Fuel). The seed's full dictionary (2,321 terms) is not published; a mine extends this one with
`factors.extract.dictionary=FILE` (TSV term<TAB>type)."""

from __future__ import annotations

ENTITY_TYPES = ("Person", "Method", "Facility", "Geologic", "Parameters", "Place", "Production", "Fuel", "Cost", "Materials", "Index")
RELATION_TYPES = ("Establish", "Devise", "Equip", "Distance", "Use", "Measure", "Include", "Affect", "Value", "Implement",
                  "Positive", "Negative")

_TABLE_4 = {
    "Facility": "excavator, drilling machine, loader, explosive material transport vehicle, on-site mixed explosive vehicle, dozer, "
                "conveyor, automobile, truck, water truck, bulldozer",
    "Parameters": "mining height, mining depth, bench height, borehole depth, hole depth, ramp bench borehole, borehole diameter, "
                  "sub-drilling depth, minimum burden, minimum resistance line, basal burden, bench face angle, borehole spacing, "
                  "burden spacing, stemming length, borehole density coefficient, specific charge, total charge amount, "
                  "maximum charge per delay",
    "Method": "railway transportation, road transportation, inverted pile mining technique, non-inverted pile mining technique, "
              "pre-splitting blasting, throw blasting, deep hole blasting, shallow hole blasting, secondary blasting, "
              "intermittent process, continuous process, semi-continuous process, internal spoil disposal",
    "Geologic": "degree of rock weathering, rock mass structure, rock mass fabric, weak interlayer, occurrence conditions, lithology, "
                "engineering geological conditions, hydrogeological conditions",
    "Materials": "detonator, blasting cap, emulsion explosive, ammonium nitrate-fuel oil explosive, anfo, porous granular explosive, "
                 "nitroglycerin-based explosive",
    "Index": "vibration velocity, flyrock distance, back pull, boulder yield, lumpiness, bucket rate, measured value, "
             "slope stability factor",
    "Place": "external waste dump, internal waste dump, mining-stripping face, general layout plan, pit boundary, working face",
    "Cost": "raw material and primary material cost, auxiliary material cost, fuel and power cost, labor cost, depreciation cost, "
            "amortization and depletion cost, safety production cost, maintenance and repair cost, transportation cost, "
            "property insurance cost, outsourced service cost, amortization of low-value consumables",
    "Production": "drilling engineering, blasting engineering, stripping engineering, transportation operations, waste dumping engineering",
}
_TABLE_5 = {
    "single bucket-truck operation": "Method", "hole spacing": "Parameters", "blasting vibration": "Index", "labor cost": "Cost",
    "stripping engineering": "Production", "working face": "Place", "rock structure": "Geologic", "excavator": "Facility",
    "blasting worker": "Person", "fuze": "Materials", "diesel": "Fuel",
}
_SECTION_3_2_3 = {  # the terms of the seed's worked relation-extraction sentence
    "equipment operation and maintenance costs": "Cost", "equipment model": "Parameters", "diesel consumption": "Fuel",
}


def mining_terms() -> dict[tuple[str, ...], str]:
    """Term (lower-cased tokens) -> entity type, for the dictionary matcher and features."""
    from minectl.text.corpus import tokenize

    pairs = [(term, kind) for kind, text in _TABLE_4.items() for term in text.split(", ")]
    pairs += [*_TABLE_5.items(), *_SECTION_3_2_3.items()]
    return {tuple(t for t, _, _ in tokenize(term)): kind for term, kind in pairs}
