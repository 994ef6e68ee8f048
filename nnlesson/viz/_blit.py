"""Blitting: draw a figure's still parts once, then only the artists that move, as PNG bytes.

The explorers and the playground redraw this way. The first picture draws everything but the
``animated`` artists, fixes the layout (a later draw must put every artist where the saved
background expects it) and saves that background; every picture then restores the background,
draws the moving artists over it and encodes the result (``_png.png_bytes``).

Some artists must be drawn every picture only because something moving lies under them (the
playground's data points over its output map): those are ``pasted``. Each is drawn once, alone,
on a transparent canvas, and its pixels are then pasted in its turn (a shown one only), a copy
of pixels instead of drawing hundreds of markers again. Images redrawn every picture can be
``PixelImage``s, drawn straight at their size in pixels.
"""

import contextlib
import functools

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import AxesImage

from ._png import png_bytes


class Blitter:
    """The PNG pictures of ``figure``, in which only the ``animated`` artists change.

    ``pasted``: animated artists whose look never changes (they may be shown or hidden).
    ``text_hinting``: matplotlib's ``text.hinting`` for the animated text (None: as it is).
    """

    def __init__(self, figure, animated, pasted=(), text_hinting=None):
        self.figure = figure
        self.text_hinting = text_hinting
        self.animated = list(animated)
        self.pasted = {id(artist): None for artist in pasted}  # id -> (x, y, RGBA pixels)
        if not self.pasted.keys() <= {id(artist) for artist in self.animated}:
            raise ValueError("Blitter: every pasted artist must be one of the animated ones")
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
            self._draw_pasted()
        else:
            self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        with text_hinting(self.text_hinting):
            for artist in self.animated:
                layer = self.pasted.get(id(artist))
                if layer is None:
                    self.figure.draw_artist(artist)
                elif artist.get_visible() and layer[2].size:
                    renderer.draw_image(renderer.new_gc(), *layer)  # blends as drawing would
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))

    def _draw_pasted(self):
        """Draw each pasted artist alone on a cleared canvas and keep its pixels (cropped)."""
        renderer = self.canvas.get_renderer()
        pixels = np.asarray(self.canvas.buffer_rgba())
        background = pixels.copy()  # all of it (copy_from_bbox leaves out the top row)
        for artist in self.animated:
            if id(artist) not in self.pasted:
                continue
            renderer.clear()  # transparent
            shown = artist.get_visible()
            artist.set_visible(True)  # a hidden one is drawn as well, to be shown later
            self.figure.draw_artist(artist)
            artist.set_visible(shown)
            rows, columns = np.nonzero(pixels[..., 3])
            if not len(rows):  # draws nothing
                self.pasted[id(artist)] = (0, 0, np.zeros((0, 0, 4), np.uint8))
                continue
            top, bottom = rows.min(), rows.max() + 1
            left, right = columns.min(), columns.max() + 1
            # draw_image takes the lower-left corner from the bottom and the rows bottom first
            self.pasted[id(artist)] = (int(left), int(len(pixels) - bottom),
                                       pixels[top:bottom, left:right][::-1].copy())
        pixels[...] = background


@contextlib.contextmanager
def text_hinting(value):
    """matplotlib's ``text.hinting`` set to ``value`` for a while (None: left as it is).

    Set and restored by hand: ``rc_context`` copies every rcParam (0.7 ms, a large part of a
    frame). Only the moving text: the layout, made with the first picture, keeps the text's
    usual extents, and the still text its usual look.
    """
    if value is None:
        yield
        return
    saved = matplotlib.rcParams["text.hinting"]
    matplotlib.rcParams["text.hinting"] = value
    try:
        yield
    finally:
        matplotlib.rcParams["text.hinting"] = saved


class PixelImage(AxesImage):
    """An ``imshow`` image drawn straight at its size in pixels: resampled by two small matrix
    products and coloured by its own colour map, then pasted (``draw_image``).

    matplotlib's general path (clipping, resampling any transform, alpha, interpolation stages)
    costs about 0.4 ms for a 40 x 40 map at 30 x 30 pixels and 2.5 ms for one at 220 x 220: the
    playground redraws 8 of them every frame. Only for an axis-aligned image (``extent`` in data
    coordinates, ``origin="lower"``) with ``nearest`` or ``bilinear`` interpolation, which is
    how the playground draws its maps; the array, colour map and limits work as in any image.
    """

    def draw(self, renderer):
        if not self.get_visible():
            return
        if self.origin != "lower" or self.get_interpolation() not in ("nearest", "bilinear"):
            raise ValueError(f"PixelImage: expected origin='lower' and interpolation 'nearest' "
                             f"or 'bilinear', got {self.origin!r} and "
                             f"{self.get_interpolation()!r}")
        x0, x1, y0, y1 = self.get_extent()
        (left, bottom), (right, top) = np.rint(self.axes.transData.transform([(x0, y0),
                                                                               (x1, y1)]))
        width, height = int(right - left), int(top - bottom)
        if width < 1 or height < 1:
            return
        values = np.asarray(self.get_array(), dtype=float)
        if self.norm.scaled():  # beyond its limits a value has the limit's colour: clipped
            # first, so that the products cannot overflow (a diverged network's 1e308)
            values = np.clip(values, self.norm.vmin, self.norm.vmax)
        kind = self.get_interpolation()
        values = (_resampling(values.shape[0], height, kind) @ values
                  @ _resampling(values.shape[1], width, kind).T)
        rgba = self.to_rgba(values, bytes=True)  # its norm and colour map
        gc = renderer.new_gc()
        gc.set_clip_rectangle(self.axes.bbox)
        renderer.draw_image(gc, int(left), int(bottom), rgba)  # row 0 at the bottom: "lower"
        gc.restore()
        self.stale = False


@functools.lru_cache(maxsize=64)
def _resampling(n, pixels, kind):
    """The (pixels, n) matrix that samples n values at the centres of ``pixels`` pixels."""
    position = (np.arange(pixels) + 0.5) * n / pixels - 0.5  # in the values' indices
    matrix = np.zeros((pixels, n))
    rows = np.arange(pixels)
    if kind == "nearest":
        matrix[rows, np.clip(np.floor(position + 0.5), 0, n - 1).astype(int)] = 1
        return matrix
    position = np.clip(position, 0, n - 1)
    low = np.minimum(np.floor(position).astype(int), n - 2) if n > 1 else np.zeros(pixels, int)
    weight = position - low
    matrix[rows, low] = 1 - weight
    matrix[rows, np.minimum(low + 1, n - 1)] += weight
    return matrix
