// Public door of scenarios/ (filled as the part lands).
export {};
