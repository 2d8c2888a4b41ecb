// Public door of chaos/ (filled as the part lands).
export {};
