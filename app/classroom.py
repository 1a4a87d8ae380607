# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Loss-gradient clouds: a classroom explorer
#
# A neural network's *loss surface* is too high-dimensional to draw. Instead we send
# **walkers** across it: each walk starts at random weights and takes small steps downhill
# (every weight moves against its gradient's sign, by a random amount), recording at every
# step the training loss and the size of the gradient there. Plotting
# one point per step, loss against gradient, gives the **l-g cloud**.

# %%
import time

from IPython.display import Markdown

from lgc.basins import WINDOWS
from lgc.explorer import CLASSROOM, SLICE_MARGIN, SLICE_PATTERNS, SLICE_POINTS, classroom
from lgc.problems import PROBLEMS
from lgc.vocabulary import INIT_RANGES, display, range_label

start = time.perf_counter()
app = classroom()  # runs the first batch of walks and draws its pictures
first_answer = time.perf_counter() - start
by_size = sorted(PROBLEMS.values(), key=lambda spec: spec.dim)
smallest, largest = by_size[0], by_size[-1]
batched = " and ".join(display(spec.name) for spec in by_size if spec.batch_size)
end_loss = app.result["Et"][0, -1]
start_loss = app.result["Et"][0, 0]
distance = float(abs(app.slice["path_xy"][0, 0]))
means, measures = app.basin_means(), app.landscape_measures()

Markdown(f"""
- Points at **low gradient and high loss** are places where training could get stuck.
- Each point is coloured by the **curvature** there (from the Hessian): *convex* (a bowl, a
  local minimum), *concave* (a cap), *saddle* (up in some directions, down in others),
  *singular* (flat in some direction). The table beside the cloud gives each class's share.
- The picture under the cloud follows the **first walk's loss**: stretches where it barely
  moves over a window of `w` steps (`w` from {min(WINDOWS)} to {max(WINDOWS)}) are
  *stagnation* regions (basins); `nstag` counts them and `lstag` is their average length.
  Under the class table, and in the status line, are the same two numbers averaged over all
  the walks of the batch (as the page opened: nstag {means['nstag']:.2f} and lstag
  {means['lstag']:.2f} over {means['walks']} walks at `w` = {app.window.value}).
- Under them, the **landscape measures** of the same walks, as fitness landscape analysis
  defines them: *FEM* (ruggedness: 0 for a walk that only goes one way in equal steps,
  near 1 when its ups and downs are as varied as can be), *M1* (the share of three-step
  stretches where the loss does not change) and *M2* (the longest such run, as a share of
  the walk). As the page opened: {", ".join(f"{k} = {v:.3f}" for k, v in measures.items()
  if k != "walks")}.

**The slice (the last picture) shows what the cloud cannot: the loss itself, around one
place.** A network has one axis per weight ({display(smallest.name)}'s has {smallest.dim},
{display(largest.name)}'s {largest.dim}), so we cut the surface with a flat plane through
the first walk's **end point** (the star): one direction of the plane is the way that walk
went overall, from its start (the circle) to its end; the other is a random direction at
right angles to it. The colours give the training loss at {SLICE_POINTS} x {SLICE_POINTS}
points of that plane (dark is low; a log scale when the losses span a wide range), reaching
{SLICE_MARGIN:g} times as far from the star as the walk's farthest point. On the page as it
opened, the first walk went from loss {start_loss:.3g} to {end_loss:.3g}, ending
{distance:.3g} weight units from where it started. The red line is the walk's path
**projected** onto the plane: the walk really moved through all the dimensions, so its
shadow may seem to cross contour lines that the walk never crossed; only its start and end
lie exactly on the plane. A valley that goes on past the star means the walk had not reached
a minimum; a star at the bottom of a bowl means it had (along these two directions).
{batched}'s walks see mini-batches, and its slice only its first {SLICE_PATTERNS} training
patterns, to stay quick.

**Try:** change the problem, switch the loss from SSE to CE, widen the range from
{range_label(INIT_RANGES[0])} to {range_label(INIT_RANGES[-1])}, or move a slider. The page
opened with {CLASSROOM['walks']} walks of {CLASSROOM['steps']} steps in {first_answer:.1f}
s; the controls are greyed out while an answer is worked out.
""")

# %%
app
