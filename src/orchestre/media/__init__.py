"""Media measuring and processing (images with Pillow, videos with ffmpeg), network-agnostic.

It knows no social network: callers pass target specs as plain data.
"""
