"""Blitting: draw a figure's still parts once, then only the artists that move, as PNG bytes.

The explorers and the playground redraw this way. The first picture draws everything but the
``animated`` artists, fixes the layout (a later draw must put every artist where the saved
background expects it) and saves that background; every picture then restores the background,
draws the moving artists over it and encodes the result (``_png.png_bytes``).
"""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ._png import png_bytes


class Blitter:
    """The PNG pictures of ``figure``, in which only the ``animated`` artists change."""

    def __init__(self, figure, animated):
        self.figure = figure
        self.animated = list(animated)
        self.canvas = FigureCanvasAgg(figure)
        self.background = None
        for artist in self.animated:
            artist.set_animated(True)  # left out of the background, drawn by png() alone

    def png(self):
        """Draw the moving artists over the background (saved on the first call): PNG bytes."""
        if self.background is None:
            self.canvas.draw()  # everything but the animated artists; lays the figure out
            self.figure.set_layout_engine("none")  # then keep that layout: blitting needs it
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))
