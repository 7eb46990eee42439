"""The emulated Enlighten cloud and Entrez token service."""
