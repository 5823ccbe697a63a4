"""The colours of every chart and status: Okabe & Ito (2008), "Color Universal Design" —
distinguishable with the common colour-vision deficiencies."""

from __future__ import annotations

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#8C8C8C",
}

# Text must reach 4.5:1 on white (WCAG 1.4.3); lines and marks only 3:1 (1.4.11). Vermillion is 3.87:1:
# fine for a rule, too pale for an 11 px label, which takes this darker shade of it (5.24:1).
TEXT_VERMILLION = "#B34E00"
