"""Campaign generator: print-ready posters, flyers and stickers with verified QR codes."""
