"""Hooks the assets app gives the rest of Bilge (registered in ``AssetsConfig.ready``)."""
