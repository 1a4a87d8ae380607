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
#
# - Points at **low gradient and high loss** are places where training could get stuck.
# - Each point is coloured by the **curvature** there (from the Hessian): *convex* (a bowl,
#   a local minimum), *concave* (a cap), *saddle* (up in some directions, down in others),
#   *singular* (flat in some direction). The table beside the cloud gives each class's share.
# - The lower picture follows the **first walk's loss**: stretches where it barely moves over
#   a window of `w` steps are *stagnation* regions (basins); `nstag` counts them and
#   `lstag` is their average length.
#
# **Try:** change the problem, switch the loss from SSE to CE, widen the range to [-10, 10],
# or move a slider. Each answer takes a second or two; the controls are greyed out meanwhile.

# %%
from lgc.explorer import classroom

classroom()
