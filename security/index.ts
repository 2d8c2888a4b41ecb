// Public door of security/ (filled as the part lands).
export {};
