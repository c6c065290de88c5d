/**
 * Whose version series a lab upload joins. A lab belongs to its course, or without one to its author;
 * names and version numbers are counted per owner (lab_configs' unique key is owner + name + version),
 * so uploading a name that exists elsewhere starts the uploader's own series instead of adding a
 * version to someone else's lab.
 */
export function labOwner(lab: { courseId: string | null; createdById: string }): string {
  return lab.courseId !== null ? `course:${lab.courseId}` : `user:${lab.createdById}`;
}
