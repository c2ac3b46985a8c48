"""QGIS side of benchmarks/render.py, run with Debian's /usr/bin/python3 (python3-qgis).

Two modes, both drawing every layer of a GeoPackage in file order (the first on top, as
``twin render`` does) in the style twin gives each layer, passed by the caller as JSON in
the environment variable TWIN_BENCH_STYLES: {layer name: {"fill": "#rrggbb", "fill_opacity":
0-1, "stroke": "#rrggbb", "stroke_px": pixels}} (widths in pixels, as twin's cosmetic pens;
polygons: fill + outline, lines: stroke). Without it: #56B4E9 fill, 1 px #3A3A3A outline.

  qgis_render.py frames GPKG WIDTH HEIGHT REPEATS VARIANTS BOX [BOX...]
      loads the layers once, then renders each box REPEATS times for each variant with
      QgsMapRendererSequentialJob (one thread) and prints one JSON object: load seconds,
      (wall, CPU) render seconds per variant per box (a list of REPEATS; CPU counts all
      the process's threads), and the settings used.
      VARIANTS: comma-separated of aa+outline, noaa+outline, noaa+nooutline.
  qgis_render.py png GPKG OUT.png WIDTH HEIGHT BOX VARIANT
      the whole process a user would run: open the file, style, render one box, write PNG.

BOX is MINX,MINY,MAXX,MAXY in the layers' CRS (metres).
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsDataProvider,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

FILL, OUTLINE = "#56B4E9", "#3A3A3A"


def open_layers(path):
    """Every vector layer of the GeoPackage, in file order, styled like twin's default."""
    probe = QgsVectorLayer(path, "probe", "ogr")
    names = []
    for entry in probe.dataProvider().subLayers():
        parts = entry.split(QgsDataProvider.SUBLAYER_SEPARATOR)
        if len(parts) > 1 and parts[1] not in names:
            names.append(parts[1])
    layers = []
    for name in names:
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if not layer.isValid():
            raise SystemExit(f"QGIS cannot open {path}|{name}")
        layers.append(layer)
    return layers


def style_layers(layers, outline: bool) -> None:
    """twin's style of each layer; ``outline`` False drops the polygon outlines."""
    styles = json.loads(os.environ.get("TWIN_BENCH_STYLES", "{}"))
    default = {"fill": FILL, "fill_opacity": 1.0, "stroke": OUTLINE, "stroke_px": 1.0}
    for layer in layers:
        style = styles.get(layer.name(), default)
        if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
            fill = QColor(style["fill"])
            fill.setAlphaF(float(style["fill_opacity"]))
            properties = {
                "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
                "outline_color": style["stroke"],
            }
            properties.update(
                {"outline_width": str(style["stroke_px"]), "outline_width_unit": "Pixel"}
                if outline
                else {"outline_style": "no"}
            )
            symbol = QgsFillSymbol.createSimple(properties)
        else:
            symbol = QgsLineSymbol.createSimple(
                {
                    "line_color": style["stroke"],
                    "line_width": str(style["stroke_px"]),
                    "line_width_unit": "Pixel",
                }
            )
        layer.setRenderer(QgsSingleSymbolRenderer(symbol))


def map_settings(layers, width: int, height: int, antialiasing: bool) -> QgsMapSettings:
    """One-thread map settings on a white background."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor("white"))
    settings.setDestinationCrs(layers[0].crs())
    settings.setFlag(QgsMapSettings.Antialiasing, antialiasing)
    return settings


def render(settings: QgsMapSettings, box):
    """Render ``box`` (minx, miny, maxx, maxy); returns the image."""
    settings.setExtent(QgsRectangle(*box))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def parse_box(text: str):
    return tuple(float(v) for v in text.split(","))


def frames(argv) -> None:
    path, width, height, repeats = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    variants = argv[4].split(",")
    boxes = [parse_box(text) for text in argv[5:]]
    snapshot = os.environ.get("TWIN_BENCH_QGIS_SNAPSHOT")
    start = time.perf_counter()
    layers = open_layers(path)
    load_seconds = time.perf_counter() - start
    times, settings_used = {}, {}
    for variant in variants:
        style_layers(layers, outline="nooutline" not in variant)
        settings = map_settings(layers, width, height, antialiasing=variant.startswith("aa"))
        times[variant] = []
        for index, box in enumerate(boxes):
            rounds = []
            for attempt in range(repeats):
                start, cpu = time.perf_counter(), time.process_time()
                image = render(settings, box)
                rounds.append((time.perf_counter() - start, time.process_time() - cpu))
                if snapshot and attempt == 0:
                    image.save(f"{snapshot}_{variant}_{index}.png")
            times[variant].append(rounds)
        settings_used[variant] = {
            "antialiasing": bool(settings.testFlag(QgsMapSettings.Antialiasing)),
            "polygon_outline": "1 px" if "nooutline" not in variant else "none",
        }
    simplify = layers[0].simplifyMethod()
    print(
        json.dumps(
            {
                "load": load_seconds,
                "render": times,
                "settings": settings_used,
                "layers": [layer.name() for layer in layers],
                "simplify_hints": int(simplify.simplifyHints()),
                "simplify_threshold_px": simplify.threshold(),
                "version": Qgis.QGIS_VERSION,
            }
        ),
        flush=True,
    )


def png(argv) -> None:
    path, out, width, height = argv[0], argv[1], int(argv[2]), int(argv[3])
    box, variant = parse_box(argv[4]), argv[5]
    layers = open_layers(path)
    style_layers(layers, outline="nooutline" not in variant)
    settings = map_settings(layers, width, height, antialiasing=variant.startswith("aa"))
    image = render(settings, box)
    if not image.save(out):
        raise SystemExit(f"could not write {out}")


def main() -> None:
    app = QgsApplication([], False)
    app.initQgis()
    mode, argv = sys.argv[1], sys.argv[2:]
    {"frames": frames, "png": png}[mode](argv)
    sys.stdout.flush()
    os._exit(0)  # QgsApplication.exitQgis() crashes at interpreter exit on Debian's 3.22


if __name__ == "__main__":
    main()
