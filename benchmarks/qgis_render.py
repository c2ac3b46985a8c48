"""QGIS side of benchmarks/render.py, run with Debian's /usr/bin/python3 (python3-qgis).

Usage: qgis_render.py GPKG LAYER WIDTH HEIGHT MINX,MINY,MAXX,MAXY [MINX,MINY,MAXX,MAXY...]
Renders the layer of the GeoPackage with QgsMapRendererSequentialJob (one thread) at each
extent in turn and prints one JSON object: load seconds and render seconds per extent.
The symbol matches twin's default style: fill #56B4E9, outline #3A3A3A 0.26 mm; QGIS's
default map settings (antialiasing on) as a planner would see them.
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
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


def main() -> None:
    path, layer_name, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    boxes = [tuple(float(v) for v in text.split(",")) for text in sys.argv[5:]]
    snapshot = os.environ.get("TWIN_BENCH_QGIS_SNAPSHOT")
    app = QgsApplication([], False)
    app.initQgis()
    start = time.perf_counter()
    layer = QgsVectorLayer(f"{path}|layername={layer_name}", layer_name, "ogr")
    if not layer.isValid():
        raise SystemExit(f"QGIS cannot open {path}|{layer_name}")
    if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
        symbol = QgsFillSymbol.createSimple(
            {"color": "#56B4E9", "outline_color": "#3A3A3A", "outline_width": "0.26"}
        )
    else:
        symbol = QgsLineSymbol.createSimple({"color": "#0072B2", "width": "0.26"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    load_seconds = time.perf_counter() - start
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor("white"))
    settings.setDestinationCrs(layer.crs())
    times = []
    for index, box in enumerate(boxes):
        settings.setExtent(QgsRectangle(*box))
        job = QgsMapRendererSequentialJob(settings)
        start = time.perf_counter()
        job.start()
        job.waitForFinished()
        times.append(time.perf_counter() - start)
        if snapshot:
            job.renderedImage().save(f"{snapshot}_{index}.png")
    print(
        json.dumps(
            {
                "load": load_seconds,
                "render": times,
                "antialiasing": bool(settings.testFlag(QgsMapSettings.Antialiasing)),
            }
        ),
        flush=True,
    )
    os._exit(0)  # QgsApplication.exitQgis() crashes at interpreter exit on Debian's 3.22


if __name__ == "__main__":
    main()
