"""The live coverage level view (issue 9, dragging a site): on every update it recolours
only the rectangle of levels that changed, in place, and what a user sees is what a fresh
view of the same levels shows, with the layer's opacity."""

from __future__ import annotations


def test_live_level_view_recolours_only_what_changed_and_draws_the_same(qtbot):
    import numpy as np

    from twin.layers.style import Category, Style
    from twin.ui.live.layer import LiveLevelLayer, LiveLevelView, level_rgba

    style = Style(
        kind="raster-classes",
        categories=tuple(
            Category(i, color) for i, color in enumerate(("#E69F00", "#56B4E9", "#009E73"), 1)
        ),
    )
    rng = np.random.default_rng(9)
    levels = rng.integers(0, 4, (60, 80)).astype(np.uint8)
    layer = LiveLevelLayer("level", levels, (10, 0, 0, 0, -10, 0), "EPSG:2154", style=style)
    view = LiveLevelView(layer)
    moved = levels.copy()
    moved[20:30, 40:55] = rng.integers(0, 4, (10, 15)).astype(np.uint8)  # a site moved
    layer.set_array(moved)
    assert np.array_equal(view.image_item.image, level_rgba(layer))
    layer.set_array(moved.copy())  # the same levels again: nothing to redo
    assert np.array_equal(view.image_item.image, level_rgba(layer))
    layer.set_array(levels)  # back
    assert np.array_equal(view.image_item.image, level_rgba(layer))


def _draw(view, size=(80, 60), background=0):
    """The pixels a user sees of ``view`` (a 10 m raster drawn 1 pixel per cell)."""
    import numpy as np
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QGraphicsScene

    scene = QGraphicsScene()
    scene.addItem(view)
    image = QImage(*size, QImage.Format.Format_ARGB32)
    image.fill(background)
    painter = QPainter(image)
    scene.render(painter, QRectF(0, 0, *size), QRectF(0, -600, 800, 600))
    painter.end()
    scene.removeItem(view)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(size[1], size[0], 4)
    return pixels.copy()


def test_live_level_view_partial_recolour_draws_what_a_fresh_view_draws(qtbot):
    import numpy as np

    from twin.layers.style import Category, Style
    from twin.ui.live.layer import LiveLevelLayer, LiveLevelView

    style = Style(
        kind="raster-classes",
        categories=tuple(
            Category(i, color) for i, color in enumerate(("#E69F00", "#56B4E9", "#009E73"), 1)
        ),
    )
    levels = np.ones((60, 80), np.uint8)
    layer = LiveLevelLayer("level", levels, (10, 0, 0, 0, -10, 0), "EPSG:2154", style=style)
    view = LiveLevelView(layer)
    before = _draw(view)
    moved = levels.copy()
    moved[20:30, 40:55] = 3  # a site moved: green there now
    for array in (moved, moved.copy()):  # a change, then the same levels again
        layer.set_array(array)
        after = _draw(view)
        fresh = _draw(
            LiveLevelView(LiveLevelLayer("f", array, layer.transform, layer.crs, style=style))
        )
        np.testing.assert_array_equal(after, fresh)
        # raster rows 20-30 are y -200 to -300 m: image rows 30-40 (the image has y down)
        assert not np.array_equal(after[32:38, 42:53], before[32:38, 42:53])
        assert tuple(after[35, 45]) == (0x73, 0x9E, 0x00, 255)  # green #009E73 (BGRA bytes)
        np.testing.assert_array_equal(after[:15], before[:15])


def _on_screen(qtbot, arrays, style):
    """What a shown pyqtgraph view displays (the window's backing store, sampled every
    4 pixels) after its live level layer took each of ``arrays`` in turn."""
    import numpy as np
    import pyqtgraph as pg

    from twin.ui.live.layer import LiveLevelLayer, LiveLevelView

    widget = pg.GraphicsView(background="w")
    box = pg.ViewBox(lockAspect=1.0, enableMenu=False, invertY=False, defaultPadding=0.0)
    widget.setCentralItem(box)
    widget.resize(160, 120)
    qtbot.addWidget(widget)
    layer = LiveLevelLayer("level", arrays[0], (10, 0, 0, 0, -10, 0), "EPSG:2154", style=style)
    box.addItem(LiveLevelView(layer))
    box.setRange(xRange=(0, 800), yRange=(-600, 0), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(50)
    for array in arrays[1:]:
        layer.set_array(array)
        qtbot.wait(50)
    image = widget.screen().grabWindow(widget.winId()).toImage()
    return np.array([[image.pixel(x, y) for x in range(0, 160, 4)] for y in range(0, 120, 4)])


def test_shown_live_level_view_repaints_the_recoloured_rectangle(qtbot):
    import numpy as np

    from twin.layers.style import Category, Style

    colours = ("#E69F00", "#56B4E9", "#009E73")
    style = Style(
        kind="raster-classes",
        categories=tuple(Category(i, colour) for i, colour in enumerate(colours, 1)),
    )
    levels = np.ones((60, 80), np.uint8)
    moved = levels.copy()
    moved[20:30, 40:55] = 3  # a site moved
    dragged = _on_screen(qtbot, [levels, moved], style)  # recoloured in place, repainted
    fresh = _on_screen(qtbot, [moved], style)
    before = _on_screen(qtbot, [levels], style)
    np.testing.assert_array_equal(dragged, fresh)
    assert (dragged != before).any()


def test_live_level_view_with_opacity_draws_like_the_generic_raster_view(qtbot):
    import numpy as np

    from twin.layers.raster import RasterLayer
    from twin.layers.style import Category, Style
    from twin.ui.live.layer import LiveLevelLayer, LiveLevelView
    from twin.ui.map.views.raster import RasterLayerView

    colours = ("#E69F00", "#56B4E9", "#009E73")
    style = Style(
        kind="raster-classes",
        categories=tuple(Category(i, colour) for i, colour in enumerate(colours, 1)),
    )
    levels = np.random.default_rng(3).integers(0, 4, (60, 80)).astype(np.uint8)
    grid = ((10, 0, 0, 0, -10, 0), "EPSG:2154")
    live = LiveLevelLayer("live", levels, *grid, style=style)
    plain = RasterLayer("plain", levels, *grid, style=style)
    live_view, plain_view = LiveLevelView(live), RasterLayerView(plain)
    shown = {}
    for opacity in (1.0, 0.55):
        live.opacity = plain.opacity = opacity
        plain_view.setOpacity(opacity)  # what the canvas does for a generic view
        shown[opacity] = _draw(live_view, background=0xFFFFFFFF).astype(int)
        expected = _draw(plain_view, background=0xFFFFFFFF).astype(int)
        assert np.abs(shown[opacity] - expected).max() <= 2  # premultiplied rounding
    # the opacity shows: level 0 stays white, the classes are lighter than when solid
    on_image = levels[::-1]  # raster row 0 is the top of the map: image row 59
    assert (shown[0.55][on_image == 0] == 255).all()
    lighter = shown[0.55][on_image > 0][:, :3] > shown[1.0][on_image > 0][:, :3]
    assert lighter.any(axis=1).all()
