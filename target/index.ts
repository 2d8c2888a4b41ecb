// Public door of target/ (filled as the part lands).
export {};
