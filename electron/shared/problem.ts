// One problem with the answers (or the plan), as data: a type-only module so the renderer can share it.

export interface Problem {
  /** The answers key it is about, e.g. `user.name`; empty for the whole file. */
  path: string;
  /** An i18n key: bare in namespace `validation`, or namespaced (`plan:problem.no-grub`). */
  code: string;
  params?: Record<string, string | number>;
  /** The English message (CLI, logs). */
  message: string;
}

/** A rule's verdict on one value, before it is placed at a key path: an i18n code and its params. */
export interface Finding {
  code: string;
  params?: Record<string, string | number>;
}
