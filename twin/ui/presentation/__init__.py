"""Council presentations in the app: the story dock's undo commands, the full-screen
presentation window and its overlays (caption, KPI cards, legend), and the wiring of both
into the main window (View > Present, F5)."""
