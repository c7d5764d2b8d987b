/** A version range as the generator writes it: max is null for an open range ("a+"). */
export interface VersionRange {
  min: number;
  max: number | null;
}

/** One field of a schema file, parsed. */
export interface FieldSchema {
  name: string;
  type: string;
  versions: VersionRange;
  nullable: VersionRange | null;
  tag?: number;
  default?: string | number | boolean | null;
  struct?: string;
  fields?: FieldSchema[];
}

/** One schema file, parsed. */
export interface ApiSchema {
  name: string;
  key: number;
  versions: VersionRange;
  flexible: VersionRange | null;
  request: FieldSchema[];
  response: FieldSchema[];
}
