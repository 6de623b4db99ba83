import { z } from 'zod';
import { CompartmentId, Size } from './api/common';

/**
 * A bank of compartments as described in resources/layouts/*.json: which board and lock drive each
 * compartment, its size, and where it sits (column, row from the top, height of its floor above the ground).
 */
export const LayoutCompartment = z
  .object({
    id: CompartmentId,
    board: z.number().int().min(0).max(15),
    lock: z.number().int().min(0).max(15),
    size: Size,
    column: z.number().int().min(0),
    row: z.number().int().min(0),
    heightCm: z.number().min(0).max(250),
  })
  .strict();
export type LayoutCompartment = z.infer<typeof LayoutCompartment>;

export const Layout = z
  .object({
    name: z.string().min(1).max(80),
    columns: z.number().int().min(1).max(40),
    rows: z.number().int().min(1).max(40),
    compartments: z.array(LayoutCompartment).min(1).max(256),
  })
  .strict()
  .superRefine((layout, ctx) => {
    const ids = new Set<string>();
    const locks = new Set<string>();
    layout.compartments.forEach((c, i) => {
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['compartments', i, 'id'], message: `duplicate compartment id ${c.id}` });
      ids.add(c.id);
      const key = `${c.board}/${c.lock}`;
      if (locks.has(key)) ctx.addIssue({ code: 'custom', path: ['compartments', i, 'lock'], message: `board ${c.board} lock ${c.lock} is used twice` });
      locks.add(key);
      if (c.column >= layout.columns) ctx.addIssue({ code: 'custom', path: ['compartments', i, 'column'], message: `column ${c.column} outside the bank` });
      if (c.row >= layout.rows) ctx.addIssue({ code: 'custom', path: ['compartments', i, 'row'], message: `row ${c.row} outside the bank` });
    });
  });
export type Layout = z.infer<typeof Layout>;
