export async function watchKernel(..._a: unknown[]): Promise<never> { throw new Error('todo'); }
